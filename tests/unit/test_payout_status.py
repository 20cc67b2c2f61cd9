"""The Payout Status panel's rules: Stripe's account fields -> a state, what is missing in words, and which advice."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from app.auto_billing.status import PayoutState, requirement_words, view_of
from app.auto_billing.tables import PayoutAccount

NOW = datetime(2026, 11, 30, tzinfo=UTC)


def account(submitted=True, charges=True, payouts=True, disabled="", payout_list=(), error="", **requirements):
    return PayoutAccount(
        id=1,
        workspace=1,
        stripe_account_id="acct_1",
        email="a@b.test",
        details_submitted=submitted,
        charges_enabled=charges,
        payouts_enabled=payouts,
        disabled_reason=disabled,
        requirements=json.dumps(requirements),
        payouts=json.dumps(list(payout_list)),
        last_error=error,
        updated_at=NOW,
    )


@pytest.mark.parametrize(
    ("row", "state"),
    [
        (None, PayoutState.not_connected),
        (
            account(submitted=False, charges=False, payouts=False, currently_due=["external_account"]),
            PayoutState.onboarding_incomplete,
        ),
        (
            account(charges=False, payouts=False, pending_verification=["individual.id_number"]),
            PayoutState.under_review,
        ),
        (account(currently_due=["individual.id_number"]), PayoutState.restricted),
        (account(payouts=False, disabled="rejected.fraud"), PayoutState.restricted),
        (account(), PayoutState.active),
    ],
)
def test_each_state_comes_from_stripes_fields_alone(row, state):
    assert view_of(row).state is state


def test_what_is_missing_reads_in_words_once_each_in_stripes_order():
    view = view_of(
        account(submitted=False, currently_due=["external_account", "tos_acceptance.date", "tos_acceptance.ip"])
    )
    assert view.missing == ["a bank account for payouts", "accepting Stripe's terms of service"]


def test_an_unknown_requirement_still_reads_as_words():
    assert requirement_words("company.tax_id") == "company tax id"
    assert requirement_words("person_1AbC.verification.document") == "person verification document"


def test_a_new_accounts_past_due_fields_are_not_called_a_passed_deadline():
    view = view_of(account(submitted=False, payouts=False, disabled="requirements.past_due", past_due=["x"]))
    assert view.payouts_reason == "Onboarding with Stripe isn't finished yet."


def test_a_bank_error_is_the_payout_reason_and_brings_the_payout_delays_advice():
    errors = [
        {
            "code": "invalid_value_other",
            "reason": "The bank account has been closed.",
            "requirement": "external_account",
        }
    ]
    view = view_of(account(payouts=False, currently_due=["external_account"], errors=errors))
    assert view.payouts_reason.startswith(
        "Stripe couldn't pay out to your bank account: The bank account has been closed."
    )
    assert view.payout_delays and not view.connection_errors


def test_a_failed_payout_alone_brings_the_payout_delays_advice():
    failed = {"id": "po_1", "amount": 500, "currency": "usd", "status": "failed", "failure_message": "Declined."}
    view = view_of(account(payout_list=[failed]))
    assert view.state is PayoutState.active and view.payout_delays
    assert view.payouts[0].failed and view.payouts[0].status_words == "Failed"


def test_an_active_account_with_paid_payouts_needs_no_advice():
    paid = {"id": "po_1", "amount": 500, "currency": "usd", "status": "paid"}
    view = view_of(account(payout_list=[paid]))
    assert not view.payout_delays and not view.connection_errors


def test_a_failed_fetch_or_a_rejected_account_brings_the_connection_errors_advice():
    assert view_of(account(error="Stripe didn't answer.")).connection_errors
    assert view_of(account(payouts=False, disabled="rejected.other")).connection_errors
