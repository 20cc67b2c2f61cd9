"""Express accounts created by the platform: what Stripe requires of them, and how that changes.

Every change goes through ``update``, which records Stripe's ``account.updated`` event with the
``previous_attributes`` of what changed; the event reaches the platform's Connect webhook endpoints with
``account`` set, because the platform controls these accounts.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from . import render
from .store import AccountData

if TYPE_CHECKING:
    from .server import StandinApp

DAY = 86400
# What Stripe asks of a new US Express account before it can take charges and receive payouts.
ONBOARDING_FIELDS = [
    "business_profile.mcc",
    "business_profile.url",
    "business_type",
    "external_account",
    "representative.first_name",
    "representative.last_name",
    "tos_acceptance.date",
    "tos_acceptance.ip",
]
# Left over when the person leaves onboarding half done (they gave their name and business, not the rest).
HALF_DONE_LEFT = ["external_account", "individual.ssn_last_4", "tos_acceptance.date", "tos_acceptance.ip"]
# What Stripe verifies after the person submits an identity document.
UNDER_REVIEW = ["individual.id_number", "individual.verification.document"]
EXPRESS_CONTROLLER = {
    "fees": {"payer": "application_express"},
    "is_controller": True,
    "losses": {"payments": "application"},
    "requirement_collection": "stripe",
    "stripe_dashboard": {"type": "express"},
    "type": "application",
}
WATCHED = ("requirements", "charges_enabled", "payouts_enabled", "details_submitted", "capabilities", "business_type")


def requirements(
    currently_due: list[str] | tuple = (),
    *,
    past_due: list[str] | tuple = (),
    eventually_due: list[str] | tuple | None = None,
    pending_verification: list[str] | tuple = (),
    disabled_reason: str | None = None,
    current_deadline: int | None = None,
    errors: list[dict] | tuple = (),
) -> dict:
    return {
        "alternatives": [],
        "current_deadline": current_deadline,
        "currently_due": list(currently_due),
        "disabled_reason": disabled_reason,
        "errors": list(errors),
        "eventually_due": list(currently_due if eventually_due is None else eventually_due),
        "past_due": list(past_due),
        "pending_verification": list(pending_verification),
    }


def create_express(app: StandinApp, params: dict) -> AccountData:
    """``POST /v1/accounts`` with ``type=express``: nothing submitted yet, so nothing enabled."""
    store = app.store
    now = store.now()
    requested = params.get("capabilities") if isinstance(params.get("capabilities"), dict) else {}
    caps = {
        name: "inactive"
        for name, want in requested.items()
        if isinstance(want, dict) and str(want.get("requested")).lower() == "true"
    }
    acct_id = store.new_id("acct_", 16)
    acct = store.add_account(
        {
            "id": acct_id,
            "name": None,
            "email": params.get("email"),
            "country": (params.get("country") or "US").upper(),
            "currency": "usd" if (params.get("country") or "US").upper() == "US" else "eur",
            "created": now,
            "owner": None,
            "type": "express",
            "mcc": None,
            "product_description": None,
            "business_type": params.get("business_type"),
            "capabilities": caps or {"card_payments": "inactive", "transfers": "inactive"},
            "controller": copy.deepcopy(EXPRESS_CONTROLLER),
            "charges_enabled": False,
            "payouts_enabled": False,
            "details_submitted": False,
            "requirements": requirements(
                ONBOARDING_FIELDS, past_due=ONBOARDING_FIELDS, disabled_reason="requirements.past_due"
            ),
            "future_requirements": requirements(),
            "metadata": dict(params.get("metadata") or {}),
            "tos_date": None,
        }
    )
    # The platform created it, so it is connected from the start (no OAuth), with no token of its own.
    store.linked[acct_id] = {"scope": "express", "access_token": None, "refresh_token": None, "linked_at": now}
    return acct


def is_express(acct: AccountData | None) -> bool:
    return acct is not None and acct.account.get("type") == "express"


def update(app: StandinApp, acct: AccountData, **changes) -> dict:
    """Apply ``changes`` to the account record and send ``account.updated`` with what they replaced."""
    rec = acct.account
    before = {key: copy.deepcopy(rec.get(key)) for key in WATCHED}
    rec.update(changes)
    previous: dict = {}
    for key in WATCHED:
        old, new = before[key], rec.get(key)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict):
            previous[key] = {k: v for k, v in old.items() if new.get(k) != v}
        else:
            previous[key] = old
    return app.emit(acct, "account.updated", None, None, previous or None, obj=render.account(rec))


def _capabilities(acct: AccountData, status: str) -> dict:
    return dict.fromkeys(acct.account["capabilities"], status)


def _identity(acct: AccountData, form: dict) -> dict:
    """Who the account is, as far as the onboarding form said: what the account had, else what was typed."""
    return {
        "name": acct.account.get("name") or form.get("business_name") or None,
        "business_type": form.get("business_type") or acct.account.get("business_type") or "individual",
    }


def finish(app: StandinApp, acct: AccountData, form: dict | None = None) -> dict:
    """The person completed onboarding and Stripe verified it at once."""
    now = app.store.now()
    form = form or {}
    return update(
        app,
        acct,
        **_identity(acct, form),
        mcc="7311",
        product_description="Agency services",
        details_submitted=True,
        charges_enabled=True,
        payouts_enabled=True,
        capabilities=_capabilities(acct, "active"),
        requirements=requirements(),
        tos_date=acct.account.get("tos_date") or now,
        tos_ip="127.0.0.1",
    )


def leave_half_done(app: StandinApp, acct: AccountData, form: dict | None = None) -> dict:
    """The person left onboarding with some information still missing: details are not submitted."""
    form = form or {}
    return update(
        app,
        acct,
        **_identity(acct, form),
        details_submitted=False,
        charges_enabled=False,
        payouts_enabled=False,
        capabilities=_capabilities(acct, "inactive"),
        requirements=requirements(HALF_DONE_LEFT, past_due=HALF_DONE_LEFT, disabled_reason="requirements.past_due"),
    )


def submit_for_review(
    app: StandinApp, acct: AccountData, form: dict | None = None, fields: list[str] | None = None
) -> dict:
    """Everything is submitted, and Stripe is verifying some of it: nothing is enabled until it has."""
    form = form or {}
    now = app.store.now()
    return update(
        app,
        acct,
        **_identity(acct, form),
        details_submitted=True,
        charges_enabled=False,
        payouts_enabled=False,
        capabilities=_capabilities(acct, "pending"),
        requirements=requirements(
            pending_verification=fields or UNDER_REVIEW, disabled_reason="requirements.pending_verification"
        ),
        tos_date=acct.account.get("tos_date") or now,
        tos_ip="127.0.0.1",
    )


def verify(app: StandinApp, acct: AccountData) -> dict:
    """Stripe finished verifying what was pending: the account is enabled."""
    return update(
        app,
        acct,
        details_submitted=True,
        charges_enabled=True,
        payouts_enabled=True,
        capabilities=_capabilities(acct, "active"),
        requirements=requirements(),
    )


def restrict(app: StandinApp, acct: AccountData, fields: list[str], deadline: int) -> dict:
    """Stripe needs more information by ``deadline``; the account keeps working until then."""
    return update(app, acct, requirements=requirements(fields, current_deadline=deadline))


def disable_payouts(app: StandinApp, acct: AccountData, reason: str, fields: list[str]) -> dict:
    """Payouts stop (charges go on) for ``reason``; ``fields`` are what Stripe needs to resume them."""
    return update(
        app,
        acct,
        payouts_enabled=False,
        requirements=requirements(fields, past_due=fields, disabled_reason=reason),
    )


def pass_deadlines(app: StandinApp) -> list[dict]:
    """Accounts whose deadline has passed with requirements still due get those requirements past due and are
    disabled, as Stripe does when the clock passes ``current_deadline``."""
    now = app.store.now()
    events = []
    for acct in list(app.store.accounts.values()):
        req = acct.account.get("requirements") or {}
        deadline = req.get("current_deadline")
        if is_express(acct) and deadline and deadline <= now and req.get("currently_due"):
            due = req["currently_due"]
            events.append(
                update(
                    app,
                    acct,
                    charges_enabled=False,
                    payouts_enabled=False,
                    requirements=requirements(due, past_due=due, disabled_reason="requirements.past_due"),
                )
            )
    return events
