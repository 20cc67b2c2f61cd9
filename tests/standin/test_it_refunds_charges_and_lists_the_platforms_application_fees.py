"""Refunds (full and partial, with or without the platform's fee) on a connected account, and the platform's
application fees from its connected accounts' charges."""

from __future__ import annotations

import pytest
import stripe

from .helpers import NORTHWIND_DIGITAL, stripe_fixtures
from .hosted import api
from .payment import GOOD, event_types, pay_with, payment_session
from .shapes import Checker

OPTS = {"stripe_account": NORTHWIND_DIGITAL}


def _paid(standin) -> stripe.PaymentIntent:
    session = payment_session(standin)
    pay_with(session.url, GOOD)
    done = standin.sdk().v1.checkout.sessions.retrieve(session.id, options=OPTS)
    return standin.sdk().v1.payment_intents.retrieve(done.payment_intent, options=OPTS)


def _fee(standin, charge_id: str):
    fees = standin.sdk().v1.application_fees.list(params={"charge": charge_id})
    assert len(fees.data) == 1
    return fees.data[0]


def test_the_platform_lists_the_fee_it_took_from_a_connected_accounts_charge(fresh_standin):
    pi = _paid(fresh_standin)
    fee = _fee(fresh_standin, pi.latest_charge)
    assert fee.amount == 250 and fee.account == NORTHWIND_DIGITAL and fee.charge == pi.latest_charge
    assert fee.amount_refunded == 0 and not fee.refunded and fee.currency == "usd"
    assert fresh_standin.sdk().v1.application_fees.retrieve(fee.id).id == fee.id
    served = api(fresh_standin, "GET", f"/v1/application_fees/{fee.id}").json()
    assert Checker(stripe_fixtures()).check(served) == []


def test_a_full_refund_by_payment_intent_refunds_the_charge_and_says_so_in_charge_refunded(fresh_standin):
    pi = _paid(fresh_standin)
    refund = fresh_standin.sdk().v1.refunds.create(params={"payment_intent": pi.id}, options=OPTS)
    assert refund.amount == 1000 and refund.status == "succeeded" and refund.payment_intent == pi.id
    charge = fresh_standin.sdk().v1.charges.retrieve(pi.latest_charge, options=OPTS)
    assert charge.amount_refunded == 1000 and charge.refunded
    assert "charge.refunded" in event_types(fresh_standin)
    served = api(fresh_standin, "GET", f"/v1/refunds/{refund.id}", stripe_account=NORTHWIND_DIGITAL).json()
    assert Checker(stripe_fixtures()).check(served) == []
    assert _fee(fresh_standin, pi.latest_charge).amount_refunded == 0  # the fee stays unless asked


def test_a_partial_refund_by_charge_leaves_the_charge_partly_refunded_and_can_give_back_the_fee(fresh_standin):
    pi = _paid(fresh_standin)
    fresh_standin.sdk().v1.refunds.create(
        params={"charge": pi.latest_charge, "amount": 400, "refund_application_fee": True}, options=OPTS
    )
    charge = fresh_standin.sdk().v1.charges.retrieve(pi.latest_charge, options=OPTS)
    assert charge.amount_refunded == 400 and not charge.refunded
    fee = _fee(fresh_standin, pi.latest_charge)
    assert fee.amount_refunded == 100 and not fee.refunded and len(fee.refunds.data) == 1
    fresh_standin.sdk().v1.refunds.create(params={"charge": pi.latest_charge}, options=OPTS)
    assert fresh_standin.sdk().v1.charges.retrieve(pi.latest_charge, options=OPTS).amount_refunded == 1000


def test_refunding_more_than_is_left_is_refused(fresh_standin):
    pi = _paid(fresh_standin)
    fresh_standin.sdk().v1.refunds.create(params={"payment_intent": pi.id, "amount": 900}, options=OPTS)
    with pytest.raises(stripe.InvalidRequestError) as err:
        fresh_standin.sdk().v1.refunds.create(params={"payment_intent": pi.id, "amount": 200}, options=OPTS)
    assert err.value.param == "amount"
    fresh_standin.sdk().v1.refunds.create(params={"payment_intent": pi.id}, options=OPTS)
    with pytest.raises(stripe.InvalidRequestError) as again:
        fresh_standin.sdk().v1.refunds.create(params={"payment_intent": pi.id}, options=OPTS)
    assert again.value.code == "charge_already_refunded"


def test_another_accounts_charge_cannot_be_refunded(fresh_standin):
    pi = _paid(fresh_standin)
    fresh_standin.link("acct_1NorthwindLabsLtd")
    with pytest.raises(stripe.InvalidRequestError) as err:
        fresh_standin.sdk().v1.refunds.create(
            params={"charge": pi.latest_charge}, options={"stripe_account": "acct_1NorthwindLabsLtd"}
        )
    assert err.value.http_status == 404


def test_charges_and_refunds_can_be_listed_by_payment_intent(fresh_standin):
    first, second = _paid(fresh_standin), _paid(fresh_standin)
    fresh_standin.sdk().v1.refunds.create(params={"payment_intent": second.id, "amount": 100}, options=OPTS)
    charges = fresh_standin.sdk().v1.charges.list(params={"payment_intent": first.id}, options=OPTS)
    assert [c.id for c in charges.data] == [first.latest_charge]
    refunds = fresh_standin.sdk().v1.refunds.list(params={"payment_intent": second.id}, options=OPTS)
    assert [r.amount for r in refunds.data] == [100]
    assert fresh_standin.sdk().v1.refunds.list(params={"payment_intent": first.id}, options=OPTS).data == []


def test_a_refund_that_fails_later_gives_the_charge_its_money_back_and_says_so_in_stripes_three_events(fresh_standin):
    pi = _paid(fresh_standin)
    refund = fresh_standin.sdk().v1.refunds.create(params={"payment_intent": pi.id, "amount": 400}, options=OPTS)

    fresh_standin.action("fail_refund", account=NORTHWIND_DIGITAL, refund=refund.id)

    failed = fresh_standin.sdk().v1.refunds.retrieve(refund.id, options=OPTS)
    assert (failed.status, failed.failure_reason, failed.amount) == ("failed", "expired_or_canceled_card", 400)
    assert failed.failure_balance_transaction.startswith("txn_")
    charge = fresh_standin.sdk().v1.charges.retrieve(pi.latest_charge, options=OPTS)
    assert charge.amount_refunded == 0 and not charge.refunded
    events = fresh_standin.sdk().v1.events.list(params={"limit": 3}, options=OPTS).data
    assert [e.type for e in reversed(events)] == ["refund.failed", "refund.updated", "charge.refund.updated"]
    assert {(e.data.object.id, e.data.object.status) for e in events} == {(refund.id, "failed")}
    previous = [e.data.to_dict().get("previous_attributes") for e in reversed(events)]
    assert previous == [None, {"status": "succeeded"}, {"status": "succeeded"}]
    served = api(fresh_standin, "GET", f"/v1/refunds/{refund.id}", stripe_account=NORTHWIND_DIGITAL).json()
    assert Checker(stripe_fixtures()).check(served) == []
    # The money is the account's again, so all of it can be refunded; a failed refund cannot fail twice.
    assert fresh_standin.sdk().v1.refunds.create(params={"payment_intent": pi.id}, options=OPTS).amount == 1000
    with pytest.raises(AssertionError, match="refund is failed"):
        fresh_standin.action("fail_refund", account=NORTHWIND_DIGITAL, refund=refund.id)


def test_failing_a_refund_takes_only_stripes_failure_reasons(fresh_standin):
    pi = _paid(fresh_standin)
    refund = fresh_standin.sdk().v1.refunds.create(params={"payment_intent": pi.id}, options=OPTS)
    with pytest.raises(AssertionError, match="failure_reason must be one of"):
        fresh_standin.action("fail_refund", account=NORTHWIND_DIGITAL, refund=refund.id, failure_reason="bored")
    fresh_standin.action(
        "fail_refund", account=NORTHWIND_DIGITAL, refund=refund.id, failure_reason="lost_or_stolen_card"
    )
    assert fresh_standin.sdk().v1.refunds.retrieve(refund.id, options=OPTS).failure_reason == "lost_or_stolen_card"
