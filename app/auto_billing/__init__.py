"""Auto Billing: the agency's payout account (a Stripe Express account the platform creates) and its status."""
