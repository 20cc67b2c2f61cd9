"""Stripe's test PaymentMethod ids (``pm_card_visa``, ``pm_card_chargeDeclinedInsufficientFunds``, ...) attach to a
customer and charge off-session as their cards do, so a test can save a card that only declines later."""

from __future__ import annotations

import pytest
import stripe

from .helpers import NORTHWIND_DIGITAL, stripe_fixtures
from .hosted import api
from .payment import event_types
from .shapes import Checker

OPTS = {"stripe_account": NORTHWIND_DIGITAL}


def _customer(standin) -> str:
    standin.link(NORTHWIND_DIGITAL)
    return standin.sdk().v1.customers.create(params={"email": "client@example.com"}, options=OPTS).id


def _attach(standin, test_id: str, customer: str):
    return standin.sdk().v1.payment_methods.attach(test_id, params={"customer": customer}, options=OPTS)


def _charge_off_session(standin, customer: str, pm: str):
    params = {
        "amount": 1000,
        "currency": "usd",
        "customer": customer,
        "payment_method": pm,
        "off_session": True,
        "confirm": True,
    }
    return standin.sdk().v1.payment_intents.create(params=params, options=OPTS)


def test_a_saved_insufficient_funds_card_declines_off_session(fresh_standin):
    customer = _customer(fresh_standin)
    pm = _attach(fresh_standin, "pm_card_chargeDeclinedInsufficientFunds", customer)
    assert pm.id.startswith("pm_") and pm.customer == customer and pm.card.last4 == "9995"
    assert "payment_method.attached" in event_types(fresh_standin)
    with pytest.raises(stripe.CardError) as err:
        _charge_off_session(fresh_standin, customer, pm.id)
    assert err.value.error.decline_code == "insufficient_funds"


@pytest.mark.parametrize(
    "test_id, outcome",
    [
        ("pm_card_visa", "succeeded"),
        ("pm_card_authenticationRequired", "authentication_required"),
        ("pm_card_chargeCustomerFail", "card_declined"),
    ],
)
def test_each_test_payment_method_charges_as_its_card_does(fresh_standin, test_id, outcome):
    customer = _customer(fresh_standin)
    pm = _attach(fresh_standin, test_id, customer)
    try:
        result = _charge_off_session(fresh_standin, customer, pm.id).status
    except stripe.CardError as err:
        result = err.code
    assert result == outcome


def test_a_detached_card_is_no_longer_the_customers(fresh_standin):
    customer = _customer(fresh_standin)
    pm = _attach(fresh_standin, "pm_card_visa", customer)
    detached = fresh_standin.sdk().v1.payment_methods.detach(pm.id, options=OPTS)
    assert detached.customer is None
    assert fresh_standin.sdk().v1.customers.payment_methods.list(customer, options=OPTS).data == []
    assert event_types(fresh_standin)[-1] == "payment_method.detached"


def test_a_card_saved_to_one_customer_cannot_be_attached_to_another(fresh_standin):
    first, second = _customer(fresh_standin), _customer(fresh_standin)
    pm = _attach(fresh_standin, "pm_card_visa", first)
    with pytest.raises(stripe.InvalidRequestError):
        _attach(fresh_standin, pm.id, second)
    with pytest.raises(stripe.InvalidRequestError):
        _charge_off_session(fresh_standin, second, pm.id)


def test_an_attached_test_card_has_the_pinned_shape(fresh_standin):
    customer = _customer(fresh_standin)
    pm = _attach(fresh_standin, "pm_card_mastercard", customer)
    served = api(fresh_standin, "GET", f"/v1/payment_methods/{pm.id}", stripe_account=NORTHWIND_DIGITAL).json()
    assert served["card"]["brand"] == "mastercard"
    assert Checker(stripe_fixtures()).check(served) == []
