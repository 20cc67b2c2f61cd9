"""Stripe API resources served under /v1, one module per domain."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..server import StandinApp


def register_all(app: StandinApp) -> None:
    from . import accounts, billing, customers, events, payments

    for module in (accounts, customers, billing, payments, events):
        module.register(app)
