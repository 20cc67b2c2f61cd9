"""A client's credit settings: the card saved for off-session charges, and the auto-recharge the client opts into.

Auto-recharge charges the saved card `recharge_usd` dollars when the balance falls below `recharge_threshold`
credits. The amounts are whole dollars within the custom pack's limits, so a recharge is always a pack the client
could have bought by hand. Turning it on (again) clears a pause: the client has seen why it stopped. One recharge
must buy more credits than the threshold at today's price: otherwise a recharge would leave the balance below it,
and every usage call after it would charge the card again.
"""

from __future__ import annotations

from typing import Any

from app.core.errors import ValidationFailed
from app.core.timeutil import utcnow
from app.credit_pricing.rules import credits_per_pack
from app.credit_pricing.services import current_price
from app.credits import ledger
from app.credits.tables import CreditAccount

MIN_USD = 10
MAX_USD = 1000
MAX_THRESHOLD = 100_000_000


def _whole(raw: str | int | None, field: str, low: int, high: int, what: str) -> int:
    text = str(raw if raw is not None else "").strip().replace(",", "").lstrip("$")
    if not text.isdigit():
        raise ValidationFailed({field: f"Enter {what} as a whole number."})
    value = int(text)
    if not low <= value <= high:
        raise ValidationFailed({field: f"Enter {what} from {low:,} to {high:,}."})
    return value


async def save_card(workspace_id: int, client_id: int, customer_id: str, payment_method_id: str, label: str) -> None:
    """Remember the card Checkout saved on the agency's account, for the next off-session recharge."""
    await ledger.account(workspace_id, client_id)
    await CreditAccount.update(
        {
            CreditAccount.stripe_customer_id: customer_id,
            CreditAccount.payment_method_id: payment_method_id,
            CreditAccount.card_label: label[:64],
            CreditAccount.updated_at: utcnow(),
        }
    ).where((CreditAccount.client == client_id) & (CreditAccount.workspace == workspace_id))


async def _lifts_above(workspace_id: int, threshold: int, usd: int) -> None:
    """ValidationFailed (on the threshold) unless `usd` dollars buy more credits than `threshold` at today's price."""
    pricing = await current_price(workspace_id)
    if not pricing.sellable:
        return  # nothing can be charged until the agency sets a price; the recharge waits for it
    credits = credits_per_pack(usd, pricing.final_price)
    if credits <= threshold:
        raise ValidationFailed(
            {
                "threshold": f"A ${usd:,} recharge buys {credits:,} credits: set the threshold below that (or "
                "recharge more), so that one recharge lifts the balance above it."
            }
        )


async def set_auto_recharge(
    workspace_id: int, client_id: int, *, enabled: bool, threshold: str | int | None, usd: str | int | None
) -> dict[str, Any]:
    """Turn auto-recharge on (with its threshold and amount) or off; ValidationFailed names the field to fix."""
    current = await ledger.account(workspace_id, client_id)
    values: dict = {CreditAccount.auto_recharge: enabled, CreditAccount.updated_at: utcnow()}
    if enabled:
        if not current["payment_method_id"]:
            raise ValidationFailed({"enabled": "Buy a credit pack first: auto-recharge charges the card saved then."})
        values[CreditAccount.recharge_threshold] = _whole(
            threshold, "threshold", 0, MAX_THRESHOLD, "the balance to recharge below"
        )
        values[CreditAccount.recharge_usd] = _whole(usd, "usd", MIN_USD, MAX_USD, "the dollars to recharge")
        await _lifts_above(workspace_id, values[CreditAccount.recharge_threshold], values[CreditAccount.recharge_usd])
        values[CreditAccount.paused_reason] = ""
        values[CreditAccount.retry_after] = None
    await CreditAccount.update(values).where(
        (CreditAccount.client == client_id) & (CreditAccount.workspace == workspace_id)
    )
    return await ledger.account(workspace_id, client_id)
