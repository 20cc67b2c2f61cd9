"""What the client's billing page shows: the agency's brand, the balance, the history, the packs and auto-recharge.

Everything is read for the one workspace and client the link opened; nothing here writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from app.client_billing.branding import Brand, brand_of
from app.client_billing.links import Opened
from app.client_billing.purchase import Shop, shop
from app.credit_pricing.rules import Pack, format_price
from app.credits import ledger
from app.credits.settings import MAX_USD, MIN_USD
from app.credits.tables import EntryKind

PAGE_SIZE = 20
MAX_ID = 2**63 - 1  # a `before` past any id (a crafted query) reads as "from the newest"
_PAYMENT_INTENT = re.compile(r"pi_[A-Za-z0-9_]{1,200}")

KIND_LABELS = {
    EntryKind.purchase.value: "Credit purchase",
    EntryKind.auto_recharge.value: "Auto-recharge",
    EntryKind.usage.value: "Usage",
    EntryKind.refund.value: "Refund",
    EntryKind.adjustment.value: "Adjustment",
}


@dataclass(frozen=True)
class History:
    """One page of the ledger, newest first; `older` is the `before` id of the next page (0: none)."""

    entries: list[dict[str, Any]]
    older: int
    before: int


async def history(opened: Opened, before: int = 0) -> History:
    before = before if 0 < before <= MAX_ID else 0
    rows = await ledger.entries(opened.workspace["id"], opened.client["id"], limit=PAGE_SIZE + 1, before_id=before)
    shown = rows[:PAGE_SIZE]
    older = shown[-1]["id"] if len(rows) > PAGE_SIZE else 0
    return History(entries=shown, older=older, before=before)


async def credited(opened: Opened, payment_intent: str) -> bool:
    """Whether the purchase paid by `payment_intent` is in this client's ledger yet (the webhook landed)."""
    if not _PAYMENT_INTENT.fullmatch(payment_intent or ""):
        return False
    entry = await ledger.entry_by_key(f"pi:{payment_intent}")
    return entry is not None and entry["client"] == opened.client["id"]


async def balance_context(opened: Opened, payment_intent: str = "") -> dict[str, Any]:
    """The balance panel: the credits now and, after Checkout, whether the purchase has landed."""
    # Whether it landed is read before the balance: a credit committed between the two reads then shows in both,
    # where the other order could say "arrived" beside the old balance and stop polling.
    waiting = bool(payment_intent) and not await credited(opened, payment_intent)
    account = await ledger.account(opened.workspace["id"], opened.client["id"])
    return {"account": account, "payment_intent": payment_intent, "waiting": waiting}


def packs(current: Shop) -> tuple[Pack, ...]:
    return current.pricing.packs if current.open else ()


async def page_context(
    opened: Opened,
    *,
    before: int = 0,
    payment_intent: str = "",
    returned: str = "",
    errors: dict[str, str] | None = None,
    recharge_errors: dict[str, str] | None = None,
    custom_usd: str = "",
    recharge_form: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The whole page. `returned` is "paid" or "cancelled" after Checkout; `errors` (buying) and `recharge_errors`
    come back from a refused form."""
    brand: Brand = await brand_of(opened.workspace["id"])
    current = await shop(opened.workspace)
    balance = await balance_context(opened, payment_intent)
    account = balance["account"]
    return {
        "brand": brand,
        "client": opened.client,
        "timezone": opened.workspace["timezone"],
        "shop_open": current.open,
        "packs": packs(current),
        "price_per_credit": format_price(current.pricing.final_price) if current.open else "",
        "min_usd": MIN_USD,
        "max_usd": MAX_USD,
        "history": await history(opened, before),
        "kind_labels": KIND_LABELS,
        "returned": returned,
        "errors": errors or {},
        "recharge_errors": recharge_errors or {},
        "custom_usd": custom_usd,
        "recharge": recharge_form
        or {
            "enabled": account["auto_recharge"],
            "threshold": str(account["recharge_threshold"]) if account["auto_recharge"] else "",
            "usd": str(account["recharge_usd"]) if account["auto_recharge"] else "",
        },
        **balance,
    }
