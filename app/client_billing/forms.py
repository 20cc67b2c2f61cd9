"""Inputs of the billing page's forms and the owners' branding form (each field has a default: app.web.forms)."""

from dataclasses import dataclass


@dataclass
class BrandingForm:
    display_name: str = ""
    logo_url: str = ""
    brand_color: str = ""
    support_email: str = ""


@dataclass
class BuyForm:
    """A pack's button or the custom amount: whole dollars, and the page's purchase attempt (for idempotency)."""

    usd: str = ""
    attempt: str = ""


@dataclass
class AutoRechargeForm:
    """The checkbox posts "on" when ticked and nothing when not."""

    enabled: str = ""
    threshold: str = ""
    usd: str = ""
