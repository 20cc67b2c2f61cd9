"""PaymentIntents confirmed off-session with a saved card, as an auto-recharge would, and Idempotency-Key on them."""

from __future__ import annotations

import httpx
import pytest
import stripe

from .helpers import NORTHWIND_DIGITAL, NORTHWIND_LABS, stripe_fixtures
from .payment import ATTACH_THEN_DECLINE, AUTH, INSUFFICIENT, event_types, saved_card
from .shapes import Checker

OPTS = {"stripe_account": NORTHWIND_DIGITAL}


def _charge(standin, customer: str, pm: str, key: str | None = None, amount: int = 2500):
    params = {
        "amount": amount,
        "currency": "usd",
        "customer": customer,
        "payment_method": pm,
        "off_session": True,
        "confirm": True,
        "application_fee_amount": amount // 4,
        "metadata": {"recharge": "r-1"},
    }
    return standin.sdk().v1.payment_intents.create(params=params, options={**OPTS, "idempotency_key": key})


def _raw(standin, key: str, account: str = NORTHWIND_DIGITAL, **params) -> httpx.Response:
    headers = {"Authorization": f"Bearer {standin.secret_key}", "Stripe-Account": account, "Idempotency-Key": key}
    return httpx.post(f"{standin.base_url}/v1/payment_intents", headers=headers, data=params)


def test_an_off_session_charge_on_a_saved_card_succeeds_with_the_platforms_fee(fresh_standin):
    customer, pm = saved_card(fresh_standin)
    pi = _charge(fresh_standin, customer, pm)
    assert pi.status == "succeeded" and pi.amount_received == 2500 and pi.application_fee_amount == 625
    again = fresh_standin.sdk().v1.payment_intents.retrieve(pi.id, options=OPTS)
    assert again.status == "succeeded" and again.latest_charge == pi.latest_charge
    assert again.metadata["recharge"] == "r-1"
    assert event_types(fresh_standin)[-1] == "payment_intent.succeeded"


def test_the_served_payment_intent_has_the_pinned_versions_shape(fresh_standin):
    customer, pm = saved_card(fresh_standin)
    resp = _raw(
        fresh_standin,
        "shape-1",
        amount=700,
        currency="usd",
        customer=customer,
        payment_method=pm,
        off_session="true",
        confirm="true",
    )
    assert resp.status_code == 200
    assert Checker(stripe_fixtures()).check(resp.json()) == []


def test_off_session_the_3155_card_needs_authentication_so_the_confirm_fails_with_402(fresh_standin):
    customer, pm = saved_card(fresh_standin, AUTH)
    with pytest.raises(stripe.CardError) as err:
        _charge(fresh_standin, customer, pm)
    assert err.value.http_status == 402 and err.value.code == "authentication_required"
    failed = err.value.error.payment_intent
    assert failed["status"] == "requires_payment_method"
    assert failed["last_payment_error"]["code"] == "authentication_required"
    assert event_types(fresh_standin)[-1] == "payment_intent.payment_failed"


def test_off_session_the_0341_card_is_declined(fresh_standin):
    customer, pm = saved_card(fresh_standin, ATTACH_THEN_DECLINE)
    with pytest.raises(stripe.CardError) as err:
        _charge(fresh_standin, customer, pm)
    assert err.value.code == "card_declined" and err.value.error.decline_code == "generic_decline"
    assert err.value.error.payment_intent["last_payment_error"]["charge"].startswith("ch_")


def test_the_9995_card_is_not_saved_by_its_failed_payment_and_declines_off_session_for_insufficient_funds(
    fresh_standin,
):
    customer, pm = saved_card(fresh_standin, INSUFFICIENT)
    assert fresh_standin.sdk().v1.customers.payment_methods.list(customer, options=OPTS).data == []
    with pytest.raises(stripe.CardError) as err:
        _charge(fresh_standin, customer, pm)
    assert err.value.code == "card_declined" and err.value.error.decline_code == "insufficient_funds"


def test_the_same_key_and_parameters_replay_the_first_result_without_charging_twice(fresh_standin):
    customer, pm = saved_card(fresh_standin)
    params = {
        "amount": "900",
        "currency": "usd",
        "customer": customer,
        "payment_method": pm,
        "off_session": "true",
        "confirm": "true",
    }
    first = _raw(fresh_standin, "recharge-77", **params)
    second = _raw(fresh_standin, "recharge-77", **params)
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json() and second.headers["Idempotent-Replayed"] == "true"
    listed = fresh_standin.sdk().v1.payment_intents.list(params={"customer": customer}, options=OPTS)
    assert [p.id for p in listed.data if p.amount == 900] == [first.json()["id"]]


def test_a_replayed_decline_is_the_same_402(fresh_standin):
    customer, pm = saved_card(fresh_standin, AUTH)
    params = {
        "amount": "900",
        "currency": "usd",
        "customer": customer,
        "payment_method": pm,
        "off_session": "true",
        "confirm": "true",
    }
    first = _raw(fresh_standin, "recharge-78", **params)
    second = _raw(fresh_standin, "recharge-78", **params)
    assert first.status_code == second.status_code == 402
    assert second.content == first.content and second.headers["Idempotent-Replayed"] == "true"


def test_the_same_key_with_other_parameters_is_an_idempotency_error(fresh_standin):
    customer, pm = saved_card(fresh_standin)
    _charge(fresh_standin, customer, pm, key="recharge-79", amount=1000)
    with pytest.raises(stripe.IdempotencyError) as err:
        _charge(fresh_standin, customer, pm, key="recharge-79", amount=2000)
    assert err.value.http_status == 400
    assert "can only be used with the same parameters they were first used with" in err.value.user_message


def test_keys_are_per_account(fresh_standin):
    customer, pm = saved_card(fresh_standin)
    other_customer, other_pm = saved_card(fresh_standin, account=NORTHWIND_LABS)
    mine = _raw(
        fresh_standin,
        "shared-key",
        amount="500",
        currency="usd",
        customer=customer,
        payment_method=pm,
        off_session="true",
        confirm="true",
    )
    theirs = _raw(
        fresh_standin,
        "shared-key",
        NORTHWIND_LABS,
        amount="500",
        currency="usd",
        customer=other_customer,
        payment_method=other_pm,
        off_session="true",
        confirm="true",
    )
    assert mine.status_code == theirs.status_code == 200
    assert mine.json()["id"] != theirs.json()["id"] and "Idempotent-Replayed" not in theirs.headers


def test_a_payment_method_from_another_account_is_not_found(fresh_standin):
    customer, pm = saved_card(fresh_standin)
    other_customer, _ = saved_card(fresh_standin, account=NORTHWIND_LABS)
    resp = _raw(
        fresh_standin,
        "cross",
        NORTHWIND_LABS,
        amount="500",
        currency="usd",
        customer=other_customer,
        payment_method=pm,
        off_session="true",
        confirm="true",
    )
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "resource_missing"
    assert customer


def test_a_fee_above_the_amount_is_refused(fresh_standin):
    customer, pm = saved_card(fresh_standin)
    resp = _raw(
        fresh_standin,
        "fee-too-big",
        amount="500",
        currency="usd",
        customer=customer,
        payment_method=pm,
        off_session="true",
        confirm="true",
        application_fee_amount="501",
    )
    assert resp.status_code == 400 and resp.json()["error"]["param"] == "application_fee_amount"
