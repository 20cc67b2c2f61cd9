"""What the Auto Billing tab says about a payout account, worked out from Stripe's latest account object alone.

States follow Stripe's own fields: onboarding is incomplete until `details_submitted`; then Stripe may be
verifying what was sent (`pending_verification`), may still need something (`currently_due` / `past_due`, by
`current_deadline`) or may have disabled the account (`disabled_reason`); otherwise it is active.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from app.auto_billing.tables import PayoutAccount


class PayoutState(StrEnum):
    not_connected = "not_connected"
    onboarding_incomplete = "onboarding_incomplete"
    under_review = "under_review"
    restricted = "restricted"
    active = "active"

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]


_STATE_LABELS = {
    PayoutState.not_connected: "Not connected",
    PayoutState.onboarding_incomplete: "Onboarding incomplete",
    PayoutState.under_review: "Under review",
    PayoutState.restricted: "Restricted",
    PayoutState.active: "Active",
}

# Stripe's requirement paths, in the words the owner meets on Stripe's own forms.
REQUIREMENT_WORDS = {
    "business_profile.mcc": "your industry",
    "business_profile.url": "your business website",
    "business_profile.product_description": "a description of what you sell",
    "business_type": "your business type",
    "external_account": "a bank account for payouts",
    "individual.ssn_last_4": "the last 4 digits of your Social Security number",
    "individual.id_number": "your ID number",
    "individual.verification.document": "an identity document",
    "individual.dob.day": "your date of birth",
    "individual.first_name": "your first name",
    "individual.last_name": "your last name",
    "individual.address.line1": "your address",
    "individual.email": "your email",
    "individual.phone": "your phone number",
    "representative.first_name": "the representative's first name",
    "representative.last_name": "the representative's last name",
    "tos_acceptance.date": "accepting Stripe's terms of service",
    "tos_acceptance.ip": "accepting Stripe's terms of service",
}

# Stripe's `requirements.disabled_reason` values (the SDK's list), said as why the account can't pay out.
DISABLED_REASON_WORDS = {
    "action_required.requested_capabilities": "Stripe needs you to finish setting up the requested capabilities.",
    "listed": "Stripe is reviewing the account because it may be on a prohibited persons or companies list.",
    "other": "Stripe has paused the account; see its dashboard for why.",
    "platform_paused": "The account is paused.",
    "rejected.fraud": "Stripe rejected the account on suspicion of fraud.",
    "rejected.incomplete_verification": "Stripe rejected the account because verification was never completed.",
    "rejected.listed": "Stripe rejected the account because it is on a prohibited persons or companies list.",
    "rejected.other": "Stripe rejected the account.",
    "rejected.platform_fraud": "The account was rejected on suspicion of fraud.",
    "rejected.platform_other": "The account was rejected.",
    "rejected.platform_terms_of_service": "The account was rejected for breaking the terms of service.",
    "rejected.terms_of_service": "Stripe rejected the account for breaking its terms of service.",
    "requirements.past_due": "Stripe needs more information, and its deadline has passed.",
    "requirements.pending_verification": "Stripe is verifying the information you sent.",
    "under_review": "Stripe is reviewing the account.",
}

PAYOUT_STATUS_WORDS = {
    "paid": "Paid",
    "pending": "Pending",
    "in_transit": "In transit",
    "canceled": "Canceled",
    "failed": "Failed",
}


def requirement_words(path: str) -> str:
    """One requirement in words; an unknown path reads as its last parts ("company.tax_id" -> "company tax id")."""
    if path in REQUIREMENT_WORDS:
        return REQUIREMENT_WORDS[path]
    if path.startswith("person_"):  # a person of a company: "person_abc.first_name"
        path = "person " + path.partition(".")[2]
    return path.replace(".", " ").replace("_", " ")


def _words(paths: list[str]) -> list[str]:
    """Each requirement once, in words, in Stripe's order (both tos_acceptance paths read as one thing)."""
    seen: list[str] = []
    for path in paths:
        words = requirement_words(path)
        if words not in seen:
            seen.append(words)
    return seen


@dataclass(frozen=True)
class PayoutLine:
    id: str
    amount: int  # minor units
    currency: str
    status: str
    arrival: datetime | None
    failure_code: str
    failure_message: str

    @property
    def status_words(self) -> str:
        return PAYOUT_STATUS_WORDS.get(self.status, self.status.replace("_", " ").capitalize())

    @property
    def failed(self) -> bool:
        return self.status == "failed"


@dataclass(frozen=True)
class PayoutView:
    """Everything the status panel shows."""

    state: PayoutState
    account: PayoutAccount | None = None
    missing: list[str] = field(default_factory=list)  # what Stripe still needs, in words
    verifying: list[str] = field(default_factory=list)  # what Stripe is checking, in words
    deadline: datetime | None = None
    disabled_reason: str = ""  # in words
    payouts_enabled: bool = False
    payouts_reason: str = ""  # why payouts are disabled, in words
    payouts: list[PayoutLine] = field(default_factory=list)
    bank_problem: str = ""  # Stripe's words about the bank account, when it is at fault
    connection_error: str = ""

    @property
    def version(self) -> str:
        """Changes whenever what the panel shows changes (the poll compares it)."""
        return "none" if self.account is None else f"{self.account.id}-{self.account.updated_at.timestamp():.6f}"

    @property
    def payout_delays(self) -> bool:
        """The guide's "Payout Delays" advice applies: payouts held up by verification or the bank account."""
        if self.account is None or self.state is PayoutState.onboarding_incomplete:
            return False
        return not self.payouts_enabled or bool(self.bank_problem) or any(p.failed for p in self.payouts)

    @property
    def connection_errors(self) -> bool:
        """The guide's "Connection Errors" advice applies: Stripe can't be reached for the account, or refused it."""
        return bool(self.connection_error) or self.disabled_reason_code.startswith("rejected.")

    @property
    def disabled_reason_code(self) -> str:
        return self.account.disabled_reason if self.account is not None else ""


def _moment(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if value else None


def _payout_line(raw: dict) -> PayoutLine:
    return PayoutLine(
        id=str(raw.get("id") or ""),
        amount=int(raw.get("amount") or 0),
        currency=str(raw.get("currency") or ""),
        status=str(raw.get("status") or ""),
        arrival=_moment(raw.get("arrival_date")),
        failure_code=str(raw.get("failure_code") or ""),
        failure_message=str(raw.get("failure_message") or ""),
    )


def _bank_problem(requirements: dict) -> str:
    """Stripe's reason when the bank account is what it needs (a returned payout, a wrong account number)."""
    for error in requirements.get("errors") or []:
        if str(error.get("requirement") or "") == "external_account":
            return str(error.get("reason") or "Stripe couldn't pay out to the bank account.")
    return ""


def state_of(account: PayoutAccount, requirements: dict) -> PayoutState:
    due = (requirements.get("currently_due") or []) + (requirements.get("past_due") or [])
    if not account.details_submitted:
        return PayoutState.onboarding_incomplete
    if not due and (
        requirements.get("pending_verification")
        or account.disabled_reason in ("requirements.pending_verification", "under_review")
    ):
        return PayoutState.under_review
    if due or account.disabled_reason or not (account.charges_enabled and account.payouts_enabled):
        return PayoutState.restricted
    return PayoutState.active


def view_of(account: PayoutAccount | None) -> PayoutView:
    """The panel for a stored account (None: Not connected)."""
    if account is None:
        return PayoutView(PayoutState.not_connected)
    requirements = json.loads(account.requirements or "{}")
    state = state_of(account, requirements)
    due = (requirements.get("past_due") or []) + (requirements.get("currently_due") or [])
    if state is PayoutState.onboarding_incomplete and not due:
        due = requirements.get("eventually_due") or []
    disabled = DISABLED_REASON_WORDS.get(account.disabled_reason, "") if account.disabled_reason else ""
    bank = _bank_problem(requirements)
    return PayoutView(
        state=state,
        account=account,
        missing=_words(due),
        verifying=_words(requirements.get("pending_verification") or []),
        deadline=account.current_deadline,
        disabled_reason=disabled,
        payouts_enabled=account.payouts_enabled,
        payouts_reason="" if account.payouts_enabled else _payouts_reason(state, disabled, bank, due),
        payouts=[_payout_line(raw) for raw in json.loads(account.payouts or "[]")],
        bank_problem=bank,
        connection_error=account.last_error,
    )


def _payouts_reason(state: PayoutState, disabled: str, bank: str, due: list[str]) -> str:
    if bank:
        return f"Stripe couldn't pay out to your bank account: {bank} Add a working bank account in Stripe."
    if state is PayoutState.onboarding_incomplete:
        # Stripe marks a new account's requirements past due at once; "deadline passed" would mislead here.
        return "Onboarding with Stripe isn't finished yet."
    if disabled:
        return disabled
    if due:
        return "Stripe needs more information before it pays out."
    return "Stripe hasn't enabled payouts for this account yet."
