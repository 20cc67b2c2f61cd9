"""What crediting reads from Stripe, as the agency's connected account, through the app's one Stripe seam.

Crediting never trusts an event's snapshot: it asks Stripe for the PaymentIntent, its card and its refunds again.
Reading is all it does, so it uses the read-only client (`read_only_client`), whose transport refuses anything but
GET. Every function blocks (the SDK's sync client): `fetch` runs one in a thread. Each returns Stripe's objects as
plain dicts, or raises `stripe.StripeError`.
"""

from __future__ import annotations

from typing import Any

import anyio

from app.integrations.stripe_client import read_only_client

PAGE = 100


async def fetch(call, *args: Any) -> Any:
    return await anyio.to_thread.run_sync(lambda: call(*args))


def payment_intent(account_id: str, payment_intent_id: str) -> dict[str, Any]:
    return read_only_client(account_id).get(f"/v1/payment_intents/{payment_intent_id}")


def payment_method(account_id: str, payment_method_id: str) -> dict[str, Any]:
    return read_only_client(account_id).get(f"/v1/payment_methods/{payment_method_id}")


def refunds_of(account_id: str, payment_intent_id: str) -> list[dict[str, Any]]:
    """Every refund of the PaymentIntent, oldest first (Stripe lists newest first, a page at a time)."""
    reader = read_only_client(account_id)
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {"payment_intent": payment_intent_id, "limit": PAGE}
    while True:
        page = reader.get("/v1/refunds", **params)
        found += page.get("data") or []
        if not page.get("has_more") or not found:
            break
        params["starting_after"] = found[-1]["id"]
    return sorted(found, key=lambda refund: (int(refund.get("created") or 0), str(refund["id"])))
