"""Every object the stand-in serves has the shape of the API version the SDK pins: no removed field, no missing one.

Two sources decide: the SDK's model of each object for that version, and Stripe's fixture. So an SDK upgrade that
changes a shape fails here, naming the object type and the field.
"""

from __future__ import annotations

import copy

import httpx
import pytest
import stripe

from stripe_standin import render
from stripe_standin.expansion import EXPANDABLE
from tests.plugins.standin import wait_until

from .helpers import NORTHWIND_DIGITAL, NORTHWIND_LABS, stripe_fixtures
from .shapes import API_VERSION, Checker, annotations, sdk_expandable
from .test_it_signs_webhooks_like_stripe import Receiver

SUB_EXPAND = ("discounts", "discounts.source.coupon", "latest_invoice", "customer")


def _get(standin, path: str, account: str | None = NORTHWIND_DIGITAL, **params) -> httpx.Response:
    headers = {"Authorization": f"Bearer {standin.secret_key}"}
    if account:
        headers["Stripe-Account"] = account
    return httpx.get(f"{standin.base_url}{path}", headers=headers, params=params)


def _ok(standin, path: str, account: str | None = NORTHWIND_DIGITAL, **params) -> dict:
    resp = _get(standin, path, account, **params)
    assert resp.status_code == 200, resp.text
    return resp.json()


def _all(standin, path: str, **params) -> list[dict]:
    return _ok(standin, path, limit=100, **params)["data"]


@pytest.fixture(scope="module")
def served(standin) -> dict[str, tuple[dict, set[str]]]:
    """kind -> (object as served, paths the request expanded)."""
    standin.reset()
    standin.link(NORTHWIND_DIGITAL)
    subs = _all(standin, "/v1/subscriptions", status="all")
    discounted = next(s for s in subs if s["discounts"])
    expanded_sub = _ok(standin, f"/v1/subscriptions/{discounted['id']}", **{"expand[]": list(SUB_EXPAND)})
    invoices = _all(standin, "/v1/invoices")
    sub_invoice = next(i for i in invoices if i["parent"] and i["amount_paid"])
    charges = _all(standin, "/v1/charges")
    refunded = next(c for c in charges if c["refunds"]["data"])
    endpoint = httpx.post(
        f"{standin.base_url}/v1/webhook_endpoints",
        headers={"Authorization": f"Bearer {standin.secret_key}"},
        data={"url": "http://127.0.0.1:9/x", "enabled_events[]": "*"},
    ).json()
    events = _all(standin, "/v1/events")
    objects: dict[str, tuple[dict, set[str]]] = {
        "account": (_ok(standin, "/v1/account"), set()),
        "customer": (_all(standin, "/v1/customers")[0], set()),
        "subscription": (discounted, set()),
        "subscription (expanded)": (expanded_sub, set(SUB_EXPAND)),
        "subscription_item": (discounted["items"]["data"][0], set()),
        "discount": (expanded_sub["discounts"][0], {"source.coupon"}),
        "coupon": (expanded_sub["discounts"][0]["source"]["coupon"], set()),
        "price": (_all(standin, "/v1/prices")[0], set()),
        "product": (_all(standin, "/v1/products")[0], set()),
        "invoice": (_ok(standin, f"/v1/invoices/{sub_invoice['id']}"), set()),
        "line_item": (_ok(standin, f"/v1/invoices/{sub_invoice['id']}/lines")["data"][0], set()),
        "charge": (_ok(standin, f"/v1/charges/{refunded['id']}"), set()),
        "refund": (_all(standin, "/v1/refunds")[0], set()),
        "event": (events[0], set()),
        "webhook_endpoint": (endpoint, set()),
        "application": (
            next(e for e in events if e["type"] == "account.application.authorized")["data"]["object"],
            set(),
        ),
    }
    failed = [c for c in charges if c["status"] == "failed"]
    if failed:
        objects["charge (failed)"] = (failed[0], set())
    objects["deleted webhook_endpoint"] = (
        httpx.delete(
            f"{standin.base_url}/v1/webhook_endpoints/{endpoint['id']}",
            headers={"Authorization": f"Bearer {standin.secret_key}"},
        ).json(),
        set(),
    )
    return objects


KINDS = [
    "account",
    "customer",
    "subscription",
    "subscription (expanded)",
    "subscription_item",
    "discount",
    "coupon",
    "price",
    "product",
    "invoice",
    "line_item",
    "charge",
    "refund",
    "event",
    "webhook_endpoint",
    "application",
    "deleted webhook_endpoint",
]


@pytest.mark.parametrize("kind", KINDS)
def test_the_object_has_every_field_of_the_pinned_version_and_no_other(served, kind):
    obj, expanded = served[kind]
    problems = Checker(stripe_fixtures()).check(obj, kind, expanded)
    assert not problems, "\n".join(problems)


def test_a_failed_charge_has_the_pinned_versions_shape_too(served):
    obj, _ = served.get("charge (failed)", served["charge"])
    problems = Checker(stripe_fixtures()).check(obj, "charge")
    assert not problems, "\n".join(problems)


def test_the_checker_reports_a_removed_field_a_missing_one_and_an_unexpanded_object(served):
    """The shape test has teeth: it fails on what Stripe removed in 2025 and on what it would miss."""
    invoice = copy.deepcopy(served["invoice"][0])
    invoice["subscription"] = invoice["parent"]["subscription_details"]["subscription"]
    del invoice["status_transitions"]
    invoice["lines"]["data"][0]["price"] = {"id": "price_1"}
    invoice["customer"] = served["customer"][0]
    problems = "\n".join(Checker(stripe_fixtures()).check(invoice))
    assert "invoice: removed or unknown field 'subscription'" in problems
    assert "invoice: missing field 'status_transitions'" in problems
    assert "invoice.lines.data[]: removed or unknown field 'price'" in problems
    assert "invoice.customer: expandable, so an id unless expand[] asks" in problems


def test_the_checker_catches_a_removed_field_in_what_render_produces(monkeypatch):
    original = render.invoice

    def with_subscription(acct, rec):
        return {**original(acct, rec), "subscription": rec.get("subscription")}

    monkeypatch.setattr(render, "invoice", with_subscription)
    acct = _seeded_account()
    rec = next(r for r in acct.invoices.by_id.values() if r.get("subscription"))
    problems = Checker(stripe_fixtures()).check(render.invoice(acct, rec))
    assert any("invoice: removed or unknown field 'subscription'" in p for p in problems)


def _seeded_account():
    from stripe_standin.generator import seed_store
    from stripe_standin.store import Store

    store = Store()
    seed_store(store, 42, "small")
    return store.account(NORTHWIND_DIGITAL)


def test_fields_stripe_removed_in_2025_are_not_served(served):
    removed = {
        "invoice": {"subscription", "charge", "paid", "discount", "payment_intent", "tax"},
        "charge": {"invoice"},
        "customer": {"website"},
        "line_item": {"price"},
        "subscription": {"current_period_start", "current_period_end", "plan", "discount", "quantity"},
        "discount": {"coupon"},
    }
    for kind, fields in removed.items():
        assert not fields & set(served[kind][0]), f"{kind} still serves {sorted(fields & set(served[kind][0]))}"
    item = served["subscription_item"][0]
    assert item["current_period_start"] and item["current_period_end"], "the period moved onto the items"


def test_expandable_fields_are_ids_unless_expanded(served):
    sub = served["subscription"][0]
    assert all(isinstance(d, str) and d.startswith("di_") for d in sub["discounts"])
    assert isinstance(sub["customer"], str) and isinstance(sub["latest_invoice"], str)
    expanded = served["subscription (expanded)"][0]
    discount = expanded["discounts"][0]
    assert discount["object"] == "discount" and discount["source"]["type"] == "coupon"
    assert discount["source"]["coupon"]["object"] == "coupon"
    assert expanded["latest_invoice"]["object"] == "invoice" and expanded["customer"]["object"] == "customer"


def test_the_oauth_token_and_deauthorize_responses_have_the_sdks_shape(standin, served):
    code = standin.action("issue_code", account=NORTHWIND_LABS)["code"]
    token = httpx.post(
        f"{standin.base_url}/oauth/token",
        data={"grant_type": "authorization_code", "code": code},
        headers={"Authorization": f"Bearer {standin.secret_key}"},
    ).json()
    assert set(token) == set(annotations(stripe.OAuth.OAuthToken)), token
    gone = httpx.post(
        f"{standin.base_url}/oauth/deauthorize",
        data={"client_id": standin.client_id, "stripe_user_id": NORTHWIND_LABS},
        headers={"Authorization": f"Bearer {standin.secret_key}"},
    ).json()
    assert set(gone) == set(annotations(stripe.OAuth.OAuthDeauthorization)), gone


def test_every_path_the_stand_in_expands_is_expandable_in_the_sdk():
    wrong = [f"{kind}.{path}" for kind, paths in EXPANDABLE.items() for path in paths if not sdk_expandable(kind, path)]
    assert not wrong, f"the SDK does not mark these as expandable: {wrong}"


def test_it_speaks_the_version_the_sdk_pins_even_when_asked_for_another(standin, served):
    resp = _get(standin, "/v1/customers", limit=1)
    assert resp.headers["Stripe-Version"] == API_VERSION == stripe.api_version
    older = httpx.get(
        f"{standin.base_url}/v1/invoices",
        params={"limit": 5},
        headers={
            "Authorization": f"Bearer {standin.secret_key}",
            "Stripe-Account": NORTHWIND_DIGITAL,
            "Stripe-Version": "2024-06-20",
        },
    )
    assert older.headers["Stripe-Version"] == API_VERSION
    assert all("subscription" not in inv for inv in older.json()["data"])
    assert served["event"][0]["api_version"] == API_VERSION


def test_listed_and_retrieved_events_carry_no_account(standin, served):
    listed = served["event"][0]
    assert "account" not in listed
    assert "account" not in _ok(standin, f"/v1/events/{listed['id']}")


def test_events_delivered_to_a_connect_endpoint_name_the_account(standin, served):
    receiver = Receiver()
    try:
        secret = standin.register_webhook(receiver.url, ["customer.updated"], connect=True)
        customer = standin.objects(NORTHWIND_DIGITAL, "customers", limit=1)[0]
        standin.action("update_customer_email", account=NORTHWIND_DIGITAL, customer=customer["id"], email="a@b.test")
        wait_until(lambda: receiver.received, message="the Connect webhook")
        body, headers = receiver.received[0]
        event = stripe.Webhook.construct_event(body, headers["Stripe-Signature"], secret)
        assert event.account == NORTHWIND_DIGITAL and event.api_version == API_VERSION
    finally:
        receiver.close()
        standin.reset(everything=True)
        standin.link(NORTHWIND_DIGITAL)


@pytest.mark.parametrize(
    "path, params, check",
    [
        (
            "/v1/subscriptions",
            {"expand[]": ["data.discounts", "data.latest_invoice"], "status": "all"},
            lambda s: (
                all(isinstance(d, dict) for d in s["discounts"])
                and (s["latest_invoice"] is None or s["latest_invoice"]["object"] == "invoice")
            ),
        ),
        (
            "/v1/invoices",
            {"expand[]": ["data.customer", "data.discounts"]},
            lambda i: i["customer"]["object"] == "customer" and all(d["object"] == "discount" for d in i["discounts"]),
        ),
        (
            "/v1/subscriptions",
            {"expand[]": "data.discounts.source.coupon", "status": "all"},
            lambda s: all(d["source"]["coupon"]["object"] == "coupon" for d in s["discounts"]),
        ),
        ("/v1/prices", {"expand[]": "data.product"}, lambda p: p["product"]["object"] == "product"),
    ],
)
def test_lists_expand_what_stripe_lets_them(standin, served, path, params, check):
    data = _all(standin, path, **params)
    assert data and all(check(obj) for obj in data)


@pytest.mark.parametrize(
    "expand", ["data.currency", "data.nope", "data.items", "data.discounts.source", "data.a.b.c.d"]
)
def test_paths_that_cannot_be_expanded_answer_400_like_stripe(standin, served, expand):
    resp = _get(standin, "/v1/subscriptions", **{"expand[]": expand})
    assert resp.status_code == 400
    assert resp.json()["error"]["param"] == "expand"
