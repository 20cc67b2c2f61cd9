"""Control actions change an Express account and its payouts as Stripe would, and say so in events."""

from __future__ import annotations

import pytest
import stripe

from tests.plugins.standin import wait_until

from .hosted import express_account, onboard, onboarding_link
from .test_it_signs_webhooks_like_stripe import Receiver

DAY = 86400


@pytest.fixture
def receiver():
    rec = Receiver()
    yield rec
    rec.close()


@pytest.fixture
def active(fresh_standin):
    """An onboarded Express account (charges and payouts enabled)."""
    account = express_account(fresh_standin)
    onboard(onboarding_link(fresh_standin, account.id).url, "finish")
    return account.id


def _account(standin, account_id):
    return standin.sdk().v1.accounts.retrieve(account_id)


def _received(standin, receiver, secret, account, count):
    """The webhooks received, in the order the stand-in emitted them (deliveries run concurrently, as at
    Stripe, so arrival order is not guaranteed; the account's event list is newest first)."""
    wait_until(lambda: len(receiver.received) >= count, message=f"{count} webhooks")
    events = [stripe.Webhook.construct_event(b, h["Stripe-Signature"], secret) for b, h in receiver.received]
    listed = standin.sdk().v1.events.list(params={"limit": 100}, options={"stripe_account": account}).data
    emitted = [e.id for e in reversed(listed)]
    return sorted(events, key=lambda e: emitted.index(e.id))


def test_a_restricted_account_works_until_its_deadline_then_what_is_due_becomes_past_due(fresh_standin, active):
    now = fresh_standin.set_clock(1_800_000_000)["now"]
    fresh_standin.action("restrict_account", account=active, currently_due=["individual.id_number"], deadline_days=7)
    account = _account(fresh_standin, active)
    assert account.requirements.currently_due == ["individual.id_number"]
    assert account.requirements.current_deadline == now + 7 * DAY
    assert account.charges_enabled and account.payouts_enabled and account.requirements.past_due == []
    fresh_standin.set_clock(now + 8 * DAY)
    account = _account(fresh_standin, active)
    assert account.requirements.past_due == ["individual.id_number"]
    assert account.requirements.disabled_reason == "requirements.past_due"
    assert not account.charges_enabled and not account.payouts_enabled
    last = fresh_standin.sdk().v1.events.list(params={"limit": 1}, options={"stripe_account": active}).data[0]
    assert last.type == "account.updated" and last.data.previous_attributes.requirements.past_due == []
    assert fresh_standin.action("pass_deadlines")["events"] == [], "a passed deadline takes effect once"


def test_payouts_can_be_disabled_with_a_reason_while_charges_go_on(fresh_standin, active):
    fresh_standin.action("disable_payouts", account=active, reason="requirements.past_due")
    account = _account(fresh_standin, active)
    assert not account.payouts_enabled and account.charges_enabled
    assert account.requirements.disabled_reason == "requirements.past_due"
    assert account.requirements.past_due == ["external_account"]


def test_an_unknown_disabled_reason_is_refused(fresh_standin, active):
    with pytest.raises(AssertionError, match="reason must be one of"):
        fresh_standin.action("disable_payouts", account=active, reason="because")


def test_an_account_put_under_review_is_disabled_until_verified(fresh_standin, active):
    fresh_standin.action("review_account", account=active)
    account = _account(fresh_standin, active)
    assert account.requirements.pending_verification and not account.charges_enabled
    assert account.requirements.disabled_reason == "requirements.pending_verification"
    fresh_standin.action("verify_account", account=active)
    account = _account(fresh_standin, active)
    assert account.charges_enabled and account.requirements.disabled_reason is None


def test_control_actions_send_account_updated_in_order_naming_the_account(fresh_standin, active, receiver):
    secret = fresh_standin.register_webhook(receiver.url, ["account.updated"], connect=True)
    fresh_standin.action("review_account", account=active)
    wait_until(lambda: receiver.received, message="the review's webhook")
    fresh_standin.action("verify_account", account=active)
    events = _received(fresh_standin, receiver, secret, active, 2)
    assert [e.account for e in events] == [active, active]
    assert [e.data.object.requirements.disabled_reason for e in events] == ["requirements.pending_verification", None]
    assert events[1].data.previous_attributes.requirements.disabled_reason == "requirements.pending_verification"


def test_balance_is_read_with_the_connected_accounts_stripe_account_header(fresh_standin, active):
    fresh_standin.action("set_balance", account=active, available=12500, pending=3000)
    balance = fresh_standin.sdk().v1.balance.retrieve(options={"stripe_account": active})
    assert balance.available[0].amount == 12500 and balance.available[0].currency == "usd"
    assert balance.pending[0].amount == 3000


def test_payouts_are_listed_newest_first_with_their_states(fresh_standin, active):
    fresh_standin.action("set_balance", account=active, available=100000)
    paid = fresh_standin.action("create_payout", account=active, amount=1000, status="paid")["event"]
    pending = fresh_standin.action("create_payout", account=active, amount=2000)["event"]
    sdk = fresh_standin.sdk()
    listed = sdk.v1.payouts.list(options={"stripe_account": active}).data
    assert [p.id for p in listed] == [pending["data"]["object"]["id"], paid["data"]["object"]["id"]]
    assert [p.status for p in listed] == ["pending", "paid"]
    assert sdk.v1.payouts.list(params={"status": "paid"}, options={"stripe_account": active}).data[0].amount == 1000
    balance = sdk.v1.balance.retrieve(options={"stripe_account": active})
    assert balance.available[0].amount == 100000 - 3000


def test_a_failed_payout_has_its_code_and_message_returns_the_money_and_stops_payouts(fresh_standin, active):
    fresh_standin.action("set_balance", account=active, available=5000)
    payout = fresh_standin.action("create_payout", account=active, amount=5000)["event"]["data"]["object"]
    fresh_standin.action("fail_payout", account=active, payout=payout["id"], failure_code="account_closed")
    sdk = fresh_standin.sdk()
    failed = sdk.v1.payouts.retrieve(payout["id"], options={"stripe_account": active})
    assert failed.status == "failed" and failed.failure_code == "account_closed"
    assert failed.failure_message == "The bank account has been closed."
    assert failed.failure_balance_transaction
    assert sdk.v1.balance.retrieve(options={"stripe_account": active}).available[0].amount == 5000
    account = _account(fresh_standin, active)
    assert not account.payouts_enabled and account.requirements.currently_due == ["external_account"]
    assert account.requirements.errors[0].reason == "The bank account has been closed."


def test_an_unknown_failure_code_is_refused(fresh_standin, active):
    payout = fresh_standin.action("create_payout", account=active, amount=100)["event"]["data"]["object"]
    with pytest.raises(AssertionError, match="unknown payout failure_code"):
        fresh_standin.action("fail_payout", account=active, payout=payout["id"], failure_code="nope")


def test_payout_events_reach_the_connect_endpoint_in_order_with_the_account(fresh_standin, active, receiver):
    secret = fresh_standin.register_webhook(
        receiver.url, ["payout.created", "payout.paid", "payout.failed", "account.updated"], connect=True
    )
    first = fresh_standin.action("create_payout", account=active, amount=700)["event"]["data"]["object"]
    fresh_standin.action("pay_payout", account=active, payout=first["id"])
    second = fresh_standin.action("create_payout", account=active, amount=800)["event"]["data"]["object"]
    fresh_standin.action("fail_payout", account=active, payout=second["id"], failure_code="no_account")
    events = _received(fresh_standin, receiver, secret, active, 5)
    assert [e.type for e in events] == [
        "payout.created",
        "payout.paid",
        "payout.created",
        "payout.failed",
        "account.updated",
    ]
    assert all(e.account == active for e in events)
    assert events[3].data.object.failure_code == "no_account"
    assert events[4].data.object.payouts_enabled is False


def test_a_payout_of_another_account_is_not_found(fresh_standin, active):
    other = express_account(fresh_standin, "other@agency.test")
    payout = fresh_standin.action("create_payout", account=active, amount=100)["event"]["data"]["object"]
    with pytest.raises(stripe.InvalidRequestError):
        fresh_standin.sdk().v1.payouts.retrieve(payout["id"], options={"stripe_account": other.id})
