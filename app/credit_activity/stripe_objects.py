"""Payouts and application fees as Stripe knows them, for the tab's "From Stripe" panel.

Payouts come from the payout account's cache (kept by app.auto_billing on webhooks and Check status). Stripe has no
"fees of one connected account" filter on `GET /v1/application_fees`, so the fees are asked for by charge: one call
per recent purchase or recharge of the ledger, at most `FEES_SHOWN`, in a thread. When Stripe does not answer the
panel says so and still shows the ledger's own record of each fee.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import anyio
import stripe

from app.auto_billing.services import payout_account
from app.auto_billing.status import PayoutLine, view_of
from app.credits.tables import CreditEntry, EntryKind
from app.integrations.stripe_client import platform_client
from app.settings import get_settings

log = logging.getLogger(__name__)

FEES_SHOWN = 5
STRIPE_DOWN_MESSAGE = (
    "Stripe didn't answer ({detail}), so the application fees below are the ones ClientPulse recorded with each "
    "payment, without Stripe's refunds of them. Reload in a moment to try again."
)


@dataclass(frozen=True)
class Fee:
    """The platform's application fee on one charge, as Stripe reports it (amounts in minor units)."""

    id: str
    charge: str
    payment_intent: str
    client_id: int
    client_name: str
    amount: int
    amount_refunded: int
    currency: str
    created: datetime | None
    from_stripe: bool  # False: Stripe didn't answer, this is the ledger's record


@dataclass
class StripePanel:
    account_id: str
    test_mode: bool
    payouts: list[PayoutLine] = field(default_factory=list)
    fetched_at: datetime | None = None
    fees: list[Fee] = field(default_factory=list)
    error: str = ""


def test_mode() -> bool:
    """Stripe's dashboard has a separate /test area; the platform key says which side every object lives on."""
    return get_settings().stripe_secret_key.startswith(("sk_test_", "rk_test_"))


async def _recent_charges(workspace_id: int) -> list[dict[str, Any]]:
    return await (
        CreditEntry.select(
            CreditEntry.client,
            CreditEntry.client.name.as_alias("client_name"),
            CreditEntry.stripe_charge_id,
            CreditEntry.stripe_payment_intent_id,
            CreditEntry.application_fee_minor,
            CreditEntry.currency,
            CreditEntry.created_at,
        )
        .where(
            (CreditEntry.workspace == workspace_id)
            & CreditEntry.kind.is_in([EntryKind.purchase.value, EntryKind.auto_recharge.value])
            & (CreditEntry.application_fee_minor > 0)
        )
        .order_by(CreditEntry.id, ascending=False)
        .limit(FEES_SHOWN)
    )


def _fetch_fees(account_id: str, entries: list[dict[str, Any]]) -> list[Fee]:
    """Blocking: Stripe's fee for each entry's charge (the PaymentIntent's latest charge when the entry has none)."""
    client = platform_client()
    fees = []
    for entry in entries:
        charge = entry["stripe_charge_id"]
        if not charge and entry["stripe_payment_intent_id"]:
            intent = client.v1.payment_intents.retrieve(
                entry["stripe_payment_intent_id"], options={"stripe_account": account_id}
            )
            charge = intent.latest_charge if isinstance(intent.latest_charge, str) else ""
        found = client.v1.application_fees.list(params={"charge": charge, "limit": 1}).data if charge else []
        # `account` is expandable: an id, or the Account when expanded. A fee of another account is never shown.
        fee = found[0] if found and getattr(found[0].account, "id", found[0].account) == account_id else None
        fees.append(_fee(entry, charge, fee))
    return fees


def _fee(entry: dict[str, Any], charge: str, fee: Any) -> Fee:
    if fee is None:
        return _recorded(entry, charge)
    return Fee(
        id=fee.id,
        charge=charge,
        payment_intent=entry["stripe_payment_intent_id"],
        client_id=entry["client"],
        client_name=entry["client_name"] or "",
        amount=int(fee.amount),
        amount_refunded=int(fee.amount_refunded or 0),
        currency=fee.currency,
        created=datetime.fromtimestamp(fee.created, UTC),
        from_stripe=True,
    )


def _recorded(entry: dict[str, Any], charge: str = "") -> Fee:
    return Fee(
        id="",
        charge=charge or entry["stripe_charge_id"],
        payment_intent=entry["stripe_payment_intent_id"],
        client_id=entry["client"],
        client_name=entry["client_name"] or "",
        amount=int(entry["application_fee_minor"]),
        amount_refunded=0,
        currency=entry["currency"] or "usd",
        created=entry["created_at"],
        from_stripe=False,
    )


async def stripe_panel(workspace_id: int) -> StripePanel:
    """The payout account's cached payouts and its latest application fees, asked of Stripe now."""
    account = await payout_account(workspace_id)
    if account is None:
        return StripePanel(account_id="", test_mode=test_mode())
    panel = StripePanel(
        account_id=account.stripe_account_id,
        test_mode=test_mode(),
        payouts=view_of(account).payouts,
        fetched_at=account.fetched_at,
    )
    entries = await _recent_charges(workspace_id)
    if not entries:
        return panel
    try:
        panel.fees = await anyio.to_thread.run_sync(_fetch_fees, account.stripe_account_id, entries)
    except stripe.StripeError as exc:
        log.warning("stripe refused the application fees of %s: %s", account.stripe_account_id, exc)
        panel.error = STRIPE_DOWN_MESSAGE.format(detail=exc.user_message or type(exc).__name__)
        panel.fees = [_recorded(entry) for entry in entries]
    return panel


async def dashboard_account(workspace_id: int) -> tuple[str, bool]:
    """The payout account id ("" without one) and test mode: what the templates build Stripe dashboard links from."""
    account = await payout_account(workspace_id)
    return (account.stripe_account_id if account else "", test_mode())
