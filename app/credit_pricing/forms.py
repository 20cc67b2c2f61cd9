"""The Cost per Credit form (the save and the live preview post the same field)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class CostPerCreditForm:
    # Text, not a number: the rules (app.credit_pricing.rules) give each bad input its own message.
    cost_per_credit: str = ""
