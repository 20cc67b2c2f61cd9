"""The billing page's one form."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class CheckoutForm:
    plan: str = ""  # a plan id from app.workspaces.plans ("pro", "agency")
