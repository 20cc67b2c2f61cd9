"""Credit pricing: the agency's Cost per Credit on top of the platform's price, the packs it buys, and its history."""
