"""Crediting a paid PaymentIntent: exactly once, and only when Stripe's own copy says it is ours and paid.

A pack bought through Checkout and an auto-recharge both end as a PaymentIntent on the agency's payout account
carrying our metadata (see the Checkout metadata contract in app.credits). Whoever learns of the payment first (the
`checkout.session.completed` or `payment_intent.succeeded` webhook, in any order and any number of times, or the
recharge's own answer) calls `credit_payment_intent`, which refetches the PaymentIntent as that account and appends
one entry keyed "pi:<id>": the ledger's unique key makes every later call return that same entry.

What is checked, and why: the account must be the payout account of the workspace the metadata names (so an event
from anyone else's account cannot credit our clients), the client must belong to that workspace (so metadata naming
another workspace's client credits nothing), and the PaymentIntent must have succeeded. The browser's return from
Checkout never credits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from app.auto_billing.tables import PayoutAccount
from app.core.errors import NotFound
from app.credits import ledger, settings, stripe_reads
from app.credits.tables import CreditEntry, EntryKind

log = logging.getLogger(__name__)

KINDS = {"purchase": EntryKind.purchase, "auto_recharge": EntryKind.auto_recharge}
PRICE_KEYS = ("clientpulse_final_price", "clientpulse_platform_price", "clientpulse_cost_per_credit")
BRANDS = {
    "amex": "American Express",
    "diners": "Diners Club",
    "discover": "Discover",
    "jcb": "JCB",
    "mastercard": "Mastercard",
    "unionpay": "UnionPay",
    "visa": "Visa",
}


@dataclass(frozen=True)
class Order:
    """What our metadata says was bought: checked against the database before anything is credited."""

    kind: EntryKind
    workspace_id: int
    client_id: int
    credits: int
    prices: dict[str, str]


def is_ours(metadata: dict[str, Any] | None) -> bool:
    """The object carries ClientPulse's credit metadata (anything else passes through untouched)."""
    return (metadata or {}).get("clientpulse_kind") in KINDS


def stripe_id(value: Any) -> str:
    """An expandable field's id, whether Stripe sent the id or the expanded object."""
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


def _positive(text: Any) -> int | None:
    text = str(text or "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else None


def _price(text: Any) -> Decimal | None:
    try:
        value = Decimal(str(text or "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() and value >= 0 else None


def order_metadata(
    kind: EntryKind, workspace_id: int, client_id: int, credits: int, prices: dict[str, str], recharge_id: int = 0
) -> dict[str, str]:
    """The metadata a PaymentIntent (and its Checkout Session) carries for `parse_order` to read back: the one
    place the contract's keys are written. `prices` is `ledger.price_fields`'s."""
    written = {
        "clientpulse_kind": kind.value,
        "clientpulse_workspace": str(workspace_id),
        "clientpulse_client": str(client_id),
        "clientpulse_credits": str(credits),
        "clientpulse_final_price": prices["final_price_per_credit"],
        "clientpulse_platform_price": prices["platform_price_per_credit"],
        "clientpulse_cost_per_credit": prices["cost_per_credit"],
    }
    if recharge_id:
        written["clientpulse_recharge"] = str(recharge_id)
    return written


def parse_order(metadata: dict[str, Any]) -> Order | None:
    """The order our metadata describes, or None when any part of it is missing or malformed."""
    workspace_id = _positive(metadata.get("clientpulse_workspace"))
    client_id = _positive(metadata.get("clientpulse_client"))
    credits = _positive(metadata.get("clientpulse_credits"))
    prices = [_price(metadata.get(key)) for key in PRICE_KEYS]
    kind = KINDS.get(str(metadata.get("clientpulse_kind") or ""))
    if kind is None or workspace_id is None or client_id is None or credits is None or None in prices:
        return None
    return Order(kind, workspace_id, client_id, credits, ledger.price_fields(*prices))  # type: ignore[arg-type]


async def verified_order(account_id: str, metadata: dict[str, Any], what: str) -> Order | None:
    """The order, when the account is the named workspace's payout account and the client is that workspace's."""
    order = parse_order(metadata)
    if order is None:
        log.warning("not crediting %s on %s: its ClientPulse metadata is incomplete or malformed", what, account_id)
        return None
    mine = (PayoutAccount.workspace == order.workspace_id) & (PayoutAccount.stripe_account_id == account_id)
    if not await PayoutAccount.exists().where(mine):
        log.warning(
            "not crediting %s: account %s is not the payout account of workspace %s",
            what,
            account_id,
            order.workspace_id,
        )
        return None
    try:
        await ledger.client_in_workspace(order.workspace_id, order.client_id)
    except NotFound:
        log.warning(
            "not crediting %s on %s: client %s is not in workspace %s",
            what,
            account_id,
            order.client_id,
            order.workspace_id,
        )
        return None
    return order


async def credit_payment_intent(account_id: str, payment_intent_id: str) -> ledger.Appended | None:
    """Credit the PaymentIntent once, from Stripe's copy fetched as `account_id`.

    Returns the purchase's entry (`created` False when an earlier call had credited it), or None when the
    PaymentIntent is not ours, not this account's to credit, or not succeeded. Stripe errors propagate, so the
    webhook task retries.
    """
    intent = await stripe_reads.fetch(stripe_reads.payment_intent, account_id, payment_intent_id)
    return await credit_fetched(account_id, intent)


async def credit_fetched(account_id: str, intent: dict[str, Any]) -> ledger.Appended | None:
    """`credit_payment_intent` for a PaymentIntent just fetched from (or answered by) Stripe as `account_id`.

    Never pass an event's snapshot: only Stripe's own answer is trusted.
    """
    metadata = intent.get("metadata") or {}
    if not is_ours(metadata):
        return None
    what = f"PaymentIntent {intent.get('id')}"
    if intent.get("status") != "succeeded":
        log.info("not crediting %s on %s yet: its status is %s", what, account_id, intent.get("status"))
        return None
    order = await verified_order(account_id, metadata, what)
    if order is None:
        return None
    appended = await ledger.append(
        order.workspace_id,
        order.client_id,
        order.kind,
        order.credits,
        dedupe_key=f"pi:{intent['id']}",
        description=f"{order.credits:,} credits",
        amount_minor=int(intent.get("amount_received") or 0),
        currency=str(intent.get("currency") or "usd")[:3],
        application_fee_minor=int(intent.get("application_fee_amount") or 0),
        stripe_payment_intent_id=str(intent["id"]),
        stripe_charge_id=stripe_id(intent.get("latest_charge")),
        **order.prices,
    )
    if intent.get("setup_future_usage"):
        await _save_card(account_id, order, intent)
    return appended


async def _save_card(account_id: str, order: Order, intent: dict[str, Any]) -> None:
    """Keep the card this purchase saved for off-session recharges, unless a newer purchase has since.

    Checked on every call, not only the first: a crash between the credit and this leaves it to the redelivery.
    """
    customer, method = stripe_id(intent.get("customer")), stripe_id(intent.get("payment_method"))
    if not customer or not method:
        return
    current = await ledger.account(order.workspace_id, order.client_id)
    if current["payment_method_id"] == method and current["stripe_customer_id"] == customer:
        return
    newest = (
        await CreditEntry.select(CreditEntry.stripe_payment_intent_id)
        .where(
            (CreditEntry.client == order.client_id)
            & (CreditEntry.workspace == order.workspace_id)
            & (CreditEntry.kind == EntryKind.purchase.value)
        )
        .order_by(CreditEntry.id, ascending=False)
        .first()
    )
    if newest is not None and newest["stripe_payment_intent_id"] != intent["id"]:
        return  # an older purchase's late event: the newer purchase's card stays
    card = (await stripe_reads.fetch(stripe_reads.payment_method, account_id, method)).get("card") or {}
    await settings.save_card(order.workspace_id, order.client_id, customer, method, card_label(card))


def card_label(card: dict[str, Any]) -> str:
    """What the client sees of a saved card, e.g. "Visa ending 4242"."""
    brand = str(card.get("brand") or "")
    name = BRANDS.get(brand, brand.replace("_", " ").title() or "Card")
    last4 = str(card.get("last4") or "")
    return f"{name} ending {last4}" if last4 else name
