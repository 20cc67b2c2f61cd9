"""A refund in Stripe takes back the credits it paid for, once per refund, and may take the balance negative.

The credits a PaymentIntent's refunds take back, all together, are ceil(credits × refunded ÷ amount): a full refund
takes exactly the purchase's credits, and partial refunds never drift however many there are, because each refund's
entry is the new total less what the earlier refunds' entries already took (the ledger's own sums, not a running
figure kept elsewhere). Refunds are read from Stripe again, never from an event; each is keyed "refund:<id>".
The balance may go below zero (the client spent the credits before the refund): `ledger.append` flags that with
`CreditAccount.negative_since`.
"""

from __future__ import annotations

import logging
from typing import Any

from app.auto_billing.tables import PayoutAccount
from app.credits import ledger, purchases, stripe_reads
from app.credits.tables import CreditEntry, EntryKind

log = logging.getLogger(__name__)


def credits_refunded(credits: int, refunded_minor: int, amount_minor: int) -> int:
    """The credits that `refunded_minor` of a purchase of `credits` for `amount_minor` takes back, rounded up."""
    if refunded_minor <= 0:
        return 0
    if amount_minor <= 0 or refunded_minor >= amount_minor:
        return credits
    return min(credits, -(-credits * refunded_minor // amount_minor))


async def apply_refunds(account_id: str, payment_intent_id: str) -> list[ledger.Appended]:
    """Record every succeeded refund of the PaymentIntent not in the ledger yet; returns the entries written.

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
        if refund.get("status") != "succeeded" or await ledger.entry_by_key(f"refund:{refund['id']}"):
            continue
        appended = await take_back(purchase, refund)
        if appended.created:
            written.append(appended)
    return written


async def take_back(purchase: dict[str, Any], refund: dict[str, Any]) -> ledger.Appended:
    """Append the refund's entry: the purchase's refunds' new total of credits less what earlier ones took."""
    if not purchase["stripe_payment_intent_id"]:
        raise ValueError("a refund takes back a purchase paid through Stripe")
    earlier = await CreditEntry.select(CreditEntry.credits, CreditEntry.amount_minor).where(
        (CreditEntry.workspace == purchase["workspace"])
        & (CreditEntry.client == purchase["client"])
        & (CreditEntry.stripe_payment_intent_id == purchase["stripe_payment_intent_id"])
        & (CreditEntry.kind == EntryKind.refund.value)
    )
    taken = -sum(int(row["credits"]) for row in earlier)
    refunded = -sum(int(row["amount_minor"]) for row in earlier) + int(refund["amount"])
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
        final_price_per_credit=purchase["final_price_per_credit"],
        platform_price_per_credit=purchase["platform_price_per_credit"],
        cost_per_credit=purchase["cost_per_credit"],
    )


def _describe(amount_minor: int, currency: str) -> str:
    """ "Refund of 12.50 USD": integer arithmetic, never a float."""
    units, cents = divmod(amount_minor, 100)
    return f"Refund of {units:,}.{cents:02d} {currency.upper()}"
