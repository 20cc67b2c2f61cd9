"""Inputs of the Auto Billing tab's forms."""

from dataclasses import dataclass


@dataclass
class ManageForm:
    """Manage Stripe Connect: the email is only asked for (and checked) before the payout account exists."""

    email: str = ""
