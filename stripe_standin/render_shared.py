"""What the render modules share: how many invoice lines ride inline, and Stripe's empty address."""

from __future__ import annotations

LINES_INLINE = 10
_ADDRESS_NULL = {"city": None, "country": None, "line1": None, "line2": None, "postal_code": None, "state": None}


def address(country: str | None = None) -> dict:
    return {**_ADDRESS_NULL, "country": country}
