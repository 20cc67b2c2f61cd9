"""Stripe API resources served under /v1, one module per domain."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..server import StandinApp


def register_all(app: StandinApp) -> None:
    from . import accounts, billing, checkout, connect, customers, events, payment_intents, payments

    for module in (accounts, connect, customers, billing, checkout, payments, payment_intents, events):
        module.register(app)
