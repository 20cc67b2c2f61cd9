"""A refund in Stripe takes back the credits it paid for, once per refund, and may take the balance negative.

The credits a PaymentIntent's refunds take back, all together, are ceil(credits × refunded ÷ amount): a full refund
takes exactly the purchase's credits, and partial refunds never drift however many there are, because each refund's
entry is the new total less what the earlier refunds' entries already took (the ledger's own sums, not a running
figure kept elsewhere). Refunds are read from Stripe again, never from an event; each is keyed "refund:<id>".
The balance may go below zero (the client spent the credits before the refund): `ledger.append` flags that with
`CreditAccount.negative_since`.

A refund can fail after Stripe reported it succeeded (the card was closed): its status becomes `failed` (or
`canceled`) and the money never left the agency, so the credits come back in a reversing entry, also of kind
refund, keyed "refund-failed:<id>", with the refund's amount back. Being of kind refund, it keeps the sums the
pro-rata rule reads right for a later refund of the same purchase. A refund that failed before it was recorded
took nothing and writes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from app.auto_billing.tables import PayoutAccount
from app.credits import ledger, purchases, stripe_reads
from app.credits.tables import CreditEntry, EntryKind

log = logging.getLogger(__name__)

# A refund in these states moved no money (Stripe's `failed` one gave it back to the agency's balance).
FAILED = ("failed", "canceled")


def credits_refunded(credits: int, refunded_minor: int, amount_minor: int) -> int:
    """The credits that `refunded_minor` of a purchase of `credits` for `amount_minor` takes back, rounded up."""
    if refunded_minor <= 0:
        return 0
    if amount_minor <= 0 or refunded_minor >= amount_minor:
        return credits
    return min(credits, -(-credits * refunded_minor // amount_minor))


async def apply_refunds(account_id: str, payment_intent_id: str) -> list[ledger.Appended]:
    """Record every succeeded refund of the PaymentIntent not in the ledger yet, and give back what each recorded
    refund that failed since took; returns the entries written.

    A refund's event may arrive before the purchase's: the purchase is credited first (from Stripe, with every
    check a purchase has), so the refund has something to take back. A PaymentIntent that is not ours changes
    nothing.
    """
    if not await PayoutAccount.exists().where(PayoutAccount.stripe_account_id == account_id):
        return []
    purchase = await ledger.entry_by_key(f"pi:{payment_intent_id}")
    if purchase is None:
        credited = await purchases.credit_payment_intent(account_id, payment_intent_id)
        if credited is None:
            return []
        purchase = credited.entry
    refunds = await stripe_reads.fetch(stripe_reads.refunds_of, account_id, payment_intent_id)
    written = []
    for refund in refunds:
        appended = await settle(purchase, refund)
        if appended is not None and appended.created:
            written.append(appended)
    return written


async def settle(purchase: dict[str, Any], refund: dict[str, Any]) -> ledger.Appended | None:
    """Take back what a succeeded refund paid for, or give back what a failed one took; None when neither applies."""
    status = refund.get("status")
    if status == "succeeded" and not await ledger.entry_by_key(key := f"refund:{refund['id']}"):
        return await _one_at_a_time(purchase, key, partial(take_back, purchase, refund))
    if status in FAILED and not await ledger.entry_by_key(key := f"refund-failed:{refund['id']}"):
        return await _one_at_a_time(purchase, key, partial(give_back, purchase, refund))
    return None


class _Raced(Exception):
    """Another settlement wrote the key first: roll back whatever this one moved."""


async def _one_at_a_time(
    purchase: dict[str, Any], key: str, settle: Callable[[], Awaitable[ledger.Appended | None]]
) -> ledger.Appended | None:
    """Settle one refund while holding the client's credit account, so a purchase's refunds settle one after another.

    Each settlement reads what the earlier ones took (`_refunded_so_far`) and writes the difference. Webhook tasks
    run concurrently: two refunds of a third each, settled at once, would both read nothing taken and both take the
    rounded-up share, one credit too many in all.
    """
    try:
        async with ledger.write_transaction():
            await ledger.hold(purchase["workspace"], purchase["client"])
            if (existing := await ledger.entry_by_key(key)) is not None:
                return ledger.Appended(existing, created=False)
            appended = await settle()  # its `ledger.append` joins this transaction
            if appended is not None and not appended.created:
                raise _Raced
            return appended
    except _Raced:
        return ledger.Appended(await ledger.entry_by_key(key), created=False)


async def _refunded_so_far(purchase: dict[str, Any]) -> tuple[int, int]:
    """(credits, money) the purchase's refund-kind entries took back so far, net of failed refunds' reversals."""
    earlier = await CreditEntry.select(CreditEntry.credits, CreditEntry.amount_minor).where(
        (CreditEntry.workspace == purchase["workspace"])
        & (CreditEntry.client == purchase["client"])
        & (CreditEntry.stripe_payment_intent_id == purchase["stripe_payment_intent_id"])
        & (CreditEntry.kind == EntryKind.refund.value)
    )
    return -sum(int(row["credits"]) for row in earlier), -sum(int(row["amount_minor"]) for row in earlier)


async def take_back(purchase: dict[str, Any], refund: dict[str, Any]) -> ledger.Appended:
    """Append the refund's entry: the purchase's refunds' new total of credits less what earlier ones took."""
    if not purchase["stripe_payment_intent_id"]:
        raise ValueError("a refund takes back a purchase paid through Stripe")
    taken, refunded = await _refunded_so_far(purchase)
    refunded += int(refund["amount"])
    total = credits_refunded(int(purchase["credits"]), refunded, int(purchase["amount_minor"]))
    credits = max(0, total - taken)
    amount = int(refund["amount"])
    log.info(
        "refund %s of %s takes back %s credits from client %s",
        refund["id"],
        purchase["stripe_payment_intent_id"],
        credits,
        purchase["client"],
    )
    return await ledger.append(
        purchase["workspace"],
        purchase["client"],
        EntryKind.refund,
        -credits,
        dedupe_key=f"refund:{refund['id']}",
        description=_describe(amount, str(refund.get("currency") or purchase["currency"])),
        amount_minor=-amount,
        currency=str(refund.get("currency") or purchase["currency"])[:3],
        stripe_payment_intent_id=purchase["stripe_payment_intent_id"],
        stripe_charge_id=purchases.stripe_id(refund.get("charge")),
        stripe_refund_id=str(refund["id"]),
        **_prices_of(purchase),
    )


async def give_back(purchase: dict[str, Any], refund: dict[str, Any]) -> ledger.Appended | None:
    """Reverse a recorded refund that failed: its credits and amount back, once; None when it was never recorded.

    The credits given back are what the purchase's refunds took less the pro-rata total without this one: what
    its own entry took whenever the reversal comes before a later refund's entry (the usual order), and still the
    right total, with no rounding drift, when a later refund was recorded first.
    """
    recorded = await ledger.entry_by_key(f"refund:{refund['id']}")
    if recorded is None:
        return None  # it failed before we took anything back for it
    taken, refunded = await _refunded_so_far(purchase)
    amount = -int(recorded["amount_minor"])
    total = credits_refunded(int(purchase["credits"]), refunded - amount, int(purchase["amount_minor"]))
    credits = max(0, taken - total)
    log.info(
        "refund %s of %s failed (%s): %s credits go back to client %s",
        refund["id"],
        purchase["stripe_payment_intent_id"],
        refund.get("failure_reason") or refund.get("status"),
        credits,
        purchase["client"],
    )
    return await ledger.append(
        purchase["workspace"],
        purchase["client"],
        EntryKind.refund,
        credits,
        dedupe_key=f"refund-failed:{refund['id']}",
        description=f"{_describe(amount, recorded['currency'])} failed: credits given back",
        amount_minor=amount,
        currency=recorded["currency"],
        stripe_payment_intent_id=recorded["stripe_payment_intent_id"],
        stripe_charge_id=recorded["stripe_charge_id"],
        stripe_refund_id=recorded["stripe_refund_id"],
        **_prices_of(recorded),
    )


def _prices_of(entry: dict[str, Any]) -> dict[str, Any]:
    """The prices an entry used, which the entries that take back or give back its credits record too."""
    return {name: entry[name] for name in ("final_price_per_credit", "platform_price_per_credit", "cost_per_credit")}


def _describe(amount_minor: int, currency: str) -> str:
    """ "Refund of 12.50 USD": integer arithmetic, never a float."""
    units, cents = divmod(amount_minor, 100)
    return f"Refund of {units:,}.{cents:02d} {currency.upper()}"
