"""ClientPulse's own plans, on the platform account: what an agency pays for ClientPulse through Checkout.

The ids are fixed and documented (README), so configuration can name them; prices created through
``POST /v1/products`` and ``POST /v1/prices`` work the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .store import AccountData, Store

# (product id, name, price id, monthly amount in cents)
PLATFORM_PLANS = (
    ("prod_ClientPulsePro", "ClientPulse Pro", "price_ClientPulseProMonthly", 19900),
    ("prod_ClientPulseAgency", "ClientPulse Agency", "price_ClientPulseAgencyMonthly", 79900),
)


def seed_platform_plans(store: Store, platform: AccountData) -> None:
    created = store.now() - 365 * 86400
    for prod_id, name, price_id, amount in PLATFORM_PLANS:
        store.add(
            platform,
            "products",
            {"id": prod_id, "name": name, "created": created, "default_price": price_id, "description": None},
        )
        store.add(
            platform,
            "prices",
            {
                "id": price_id,
                "product": prod_id,
                "currency": "usd",
                "unit_amount": amount,
                "interval": "month",
                "interval_count": 1,
                "nickname": name.removeprefix("ClientPulse "),
                "created": created,
            },
        )
