"""The workspace's payout account: create it at Stripe, send the owner through onboarding, and keep Stripe's view.

The status shown is only ever what Stripe answers for the account (on a webhook, on Check status, or when the
owner comes back from onboarding); the browser's arrival at the return URL proves nothing by itself.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import anyio
import stripe

from app.auto_billing import stripe_api
from app.auto_billing.status import PayoutView, view_of
from app.auto_billing.tables import PayoutAccount
from app.core.errors import DomainError, NotFound, ValidationFailed
from app.core.timeutil import utcnow
from app.core.validation import InvalidValue, normalise_email
from app.workspaces import plans
from app.workspaces.plans import Feature
from app.workspaces.services import Actor

log = logging.getLogger(__name__)
T = TypeVar("T")

NO_ACCOUNT_MESSAGE = (
    "This workspace has no payout account yet. Enter your Stripe email and click Manage Stripe Connect."
)
STRIPE_FAILED_MESSAGE = (
    "Stripe didn't answer for your payout account ({detail}). Nothing changed. "
    "Try again in a moment; if it keeps failing, reconnect by clicking Manage Stripe Connect."
)
# What each fetch keeps of Stripe's `requirements` hash (the panel reads these).
REQUIREMENT_KEYS = ("currently_due", "past_due", "eventually_due", "pending_verification", "errors")
PAYOUT_KEYS = ("id", "amount", "currency", "status", "arrival_date", "created", "failure_code", "failure_message")


class StripeUnavailable(DomainError):
    """Stripe refused or didn't answer a call for the payout account; the message says what to do."""


def require_view(actor: Actor) -> None:
    """Everyone in an Agency workspace may look at the tab."""
    plans.require(actor.workspace, Feature.auto_billing)


def require_edit(actor: Actor, action: str) -> None:
    """Only an owner of an Agency workspace changes anything (or asks Stripe for anything)."""
    plans.require(actor.workspace, Feature.auto_billing)
    actor.require_owner(action)


async def payout_account(workspace_id: int) -> PayoutAccount | None:
    return await PayoutAccount.objects().where(PayoutAccount.workspace == workspace_id).first()


async def panel(workspace_id: int) -> PayoutView:
    return view_of(await payout_account(workspace_id))


async def _stripe(call: Callable[..., T], *args: Any) -> T:
    """Run one blocking SDK call in a thread; Stripe's refusal becomes a message for the owner."""
    try:
        return await anyio.to_thread.run_sync(lambda: call(*args))
    except stripe.StripeError as exc:
        detail = exc.user_message or type(exc).__name__
        log.warning("stripe refused a payout account call %s: %s", call.__name__, detail)
        raise StripeUnavailable(STRIPE_FAILED_MESSAGE.format(detail=detail)) from exc


async def _owned(actor: Actor, action: str) -> PayoutAccount:
    require_edit(actor, action)
    account = await payout_account(actor.workspace_id)
    if account is None:
        raise NotFound(NO_ACCOUNT_MESSAGE)
    return account


async def manage(actor: Actor, email: str, refresh_url: str, return_url: str) -> str:
    """Where Manage Stripe Connect sends the owner: onboarding for a new or unfinished account, else its dashboard.

    Raises:
        ValidationFailed: the email is not an address (nothing was created).
        StripeUnavailable: Stripe refused; nothing was stored.
    """
    require_edit(actor, "manage Stripe Connect")
    account = await payout_account(actor.workspace_id)
    if account is None:
        try:
            email = normalise_email(email)
        except InvalidValue as exc:
            raise ValidationFailed({"email": str(exc)}, str(exc)) from None
        account = await _create(actor, email)
    return await _next_stop(account, refresh_url, return_url)


async def _create(actor: Actor, email: str) -> PayoutAccount:
    raw = await _stripe(stripe_api.create_express_account, actor.workspace_id, email)
    now = utcnow()
    row = PayoutAccount(
        workspace=actor.workspace_id,
        stripe_account_id=raw["id"],
        email=str(raw.get("email") or email),
        created_by=actor.user.id,
        created_at=now,
        updated_at=now,
    )
    try:
        await row.save()
    except Exception:
        # Another click created it first (the idempotency key made it the same account at Stripe).
        existing = await payout_account(actor.workspace_id)
        if existing is None:
            raise
        return existing
    await _apply(row.id, raw, None, now)
    return await PayoutAccount.objects().where(PayoutAccount.id == row.id).first()


def needs_information(account: PayoutAccount) -> bool:
    """Stripe still wants something the owner gives through onboarding (so a login link would be refused or moot)."""
    requirements = json.loads(account.requirements or "{}")
    return not account.details_submitted or bool(requirements.get("currently_due") or requirements.get("past_due"))


async def _next_stop(account: PayoutAccount, refresh_url: str, return_url: str) -> str:
    account = await refresh_status(account.id, raise_errors=True) or account
    if needs_information(account):
        return await _stripe(stripe_api.onboarding_link, account.stripe_account_id, refresh_url, return_url)
    return await _stripe(stripe_api.login_link, account.stripe_account_id)


async def fresh_onboarding_link(actor: Actor, refresh_url: str, return_url: str) -> str:
    """The refresh_url's answer: Stripe's link expired or was used, so mint another."""
    account = await _owned(actor, "continue Stripe onboarding")
    return await _stripe(stripe_api.onboarding_link, account.stripe_account_id, refresh_url, return_url)


async def stripe_dashboard(actor: Actor, refresh_url: str, return_url: str) -> str:
    """The account's Stripe dashboard through a login link, where the owner fixes a bank account or sends documents.

    Stripe refuses login links until onboarding was submitted once; until then this is onboarding.
    """
    account = await _owned(actor, "open the Stripe dashboard")
    account = await refresh_status(account.id, raise_errors=True) or account
    if not account.details_submitted:
        return await _stripe(stripe_api.onboarding_link, account.stripe_account_id, refresh_url, return_url)
    return await _stripe(stripe_api.login_link, account.stripe_account_id)


async def check_status(actor: Actor) -> PayoutView:
    """Check status, and the return from onboarding: ask Stripe again; a failure shows as a connection error."""
    account = await _owned(actor, "check the payout account")
    await refresh_status(account.id)
    return await panel(actor.workspace_id)


def _moment(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if value else None


def _values(raw: dict, payouts: list[dict] | None) -> dict:
    requirements = raw.get("requirements") or {}
    values = {
        PayoutAccount.charges_enabled: bool(raw.get("charges_enabled")),
        PayoutAccount.payouts_enabled: bool(raw.get("payouts_enabled")),
        PayoutAccount.details_submitted: bool(raw.get("details_submitted")),
        PayoutAccount.requirements: json.dumps({key: requirements.get(key) or [] for key in REQUIREMENT_KEYS}),
        PayoutAccount.disabled_reason: str(requirements.get("disabled_reason") or ""),
        PayoutAccount.current_deadline: _moment(requirements.get("current_deadline")),
        PayoutAccount.last_error: "",
    }
    if raw.get("email"):
        values[PayoutAccount.email] = str(raw["email"])
    if payouts is not None:
        values[PayoutAccount.payouts] = json.dumps([{key: p.get(key) for key in PAYOUT_KEYS} for p in payouts])
    return values


async def _apply(row_id: int, raw: dict | None, payouts: list[dict] | None, started: datetime, error: str = "") -> bool:
    """Store what a fetch that began at `started` found, unless a fetch that began later already stored its answer.

    `updated_at` moves only when something the panel shows changed, so the panel's poll stays quiet otherwise.
    """
    values = _values(raw, payouts) if raw is not None else {PayoutAccount.last_error: error}
    async with PayoutAccount._meta.db.transaction():
        # An UPDATE that changes nothing comes first, to take the row's lock (PostgreSQL) or the write lock (SQLite)
        # before reading: the row read is then the one this update replaces, and SQLite never has to upgrade a read.
        await PayoutAccount.update({PayoutAccount.last_event_created: PayoutAccount.last_event_created + 0}).where(
            PayoutAccount.id == row_id
        )
        current = await PayoutAccount.objects().where(PayoutAccount.id == row_id).first()
        if current is None or (current.fetched_at is not None and current.fetched_at > started):
            return False
        changed = any(_differs(getattr(current, column._meta.name), value) for column, value in values.items())
        values[PayoutAccount.fetched_at] = started
        if changed:
            values[PayoutAccount.updated_at] = utcnow()
        await PayoutAccount.update(values).where(PayoutAccount.id == row_id)
    return changed


def _differs(stored: Any, new: Any) -> bool:
    if isinstance(stored, datetime) and isinstance(new, datetime):
        return stored.timestamp() != new.timestamp()
    return stored != new


async def refresh_status(row_id: int, raise_errors: bool = False) -> PayoutAccount | None:
    """Fetch the account and its latest payouts from Stripe and store them; returns the stored row.

    A failure is stored as the connection error the panel shows (and raised too with `raise_errors`).
    """
    account = await PayoutAccount.objects().where(PayoutAccount.id == row_id).first()
    if account is None:
        return None
    started = utcnow()
    try:
        raw = await _stripe(stripe_api.retrieve_account, account.stripe_account_id)
        payouts = await _stripe(stripe_api.latest_payouts, account.stripe_account_id)
    except StripeUnavailable as exc:
        await _apply(row_id, None, None, started, error=exc.message)
        if raise_errors:
            raise
    else:
        await _apply(row_id, raw, payouts, started)
    return await PayoutAccount.objects().where(PayoutAccount.id == row_id).first()


async def note_event(stripe_account_id: str, created: int) -> PayoutAccount | None:
    """The payout account an event names (None: not one of ours), with the newest event's `created` recorded."""
    account = await PayoutAccount.objects().where(PayoutAccount.stripe_account_id == stripe_account_id).first()
    if account is not None and created > account.last_event_created:
        await PayoutAccount.update({PayoutAccount.last_event_created: created}).where(
            (PayoutAccount.id == account.id) & (PayoutAccount.last_event_created < created)
        )
    return account
