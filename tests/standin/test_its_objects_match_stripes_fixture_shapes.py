"""Every object type the stand-in serves carries at least the keys of Stripe's own fixture."""

from __future__ import annotations

import httpx
import pytest

from .helpers import NORTHWIND_DIGITAL, stripe_fixtures


def _get(standin, path: str, account: str | None = NORTHWIND_DIGITAL) -> dict:
    headers = {"Authorization": f"Bearer {standin.secret_key}"}
    if account:
        headers["Stripe-Account"] = account
    resp = httpx.get(f"{standin.base_url}{path}", headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.json()


def _missing(fixture: dict, obj: dict) -> set[str]:
    return set(fixture) - set(obj)


@pytest.fixture(scope="module")
def served(standin) -> dict[str, dict]:
    standin.reset()
    standin.link(NORTHWIND_DIGITAL)
    invoice = next(i for i in _get(standin, "/v1/invoices?limit=100")["data"] if i["charge"])
    charge = next(c for c in _get(standin, "/v1/charges?limit=100")["data"] if c["refunds"]["data"]) \
        if _get(standin, "/v1/refunds?limit=1")["data"] else _get(standin, "/v1/charges?limit=1")["data"][0]
    sub = _get(standin, "/v1/subscriptions?limit=1&status=all")["data"][0]
    endpoint = httpx.post(f"{standin.base_url}/v1/webhook_endpoints",
                          headers={"Authorization": f"Bearer {standin.secret_key}"},
                          data={"url": "http://127.0.0.1:9/x", "enabled_events[]": "*"}).json()
    discounted = next(s for s in _get(standin, "/v1/subscriptions?limit=100&status=all")["data"] if s["discount"])
    objects = {
        "account": _get(standin, "/v1/account"),
        "customer": _get(standin, "/v1/customers?limit=1")["data"][0],
        "subscription": sub,
        "subscription_item": sub["items"]["data"][0],
        "price": _get(standin, "/v1/prices?limit=1")["data"][0],
        "plan": sub["items"]["data"][0]["plan"],
        "product": _get(standin, "/v1/products?limit=1")["data"][0],
        "invoice": _get(standin, f"/v1/invoices/{invoice['id']}"),
        "line_item": _get(standin, f"/v1/invoices/{invoice['id']}/lines")["data"][0],
        "charge": _get(standin, f"/v1/charges/{charge['id']}"),
        "refund": _get(standin, "/v1/refunds?limit=1")["data"][0],
        "event": _get(standin, "/v1/events?limit=1")["data"][0],
        "webhook_endpoint": endpoint,
        "discount": discounted["discount"],
        "coupon": discounted["discount"]["coupon"],
    }
    objects["deleted_webhook_endpoint"] = httpx.delete(f"{standin.base_url}/v1/webhook_endpoints/{endpoint['id']}",
                                                       headers={"Authorization": f"Bearer {standin.secret_key}"}).json()
    # Linking the account emitted account.application.authorized; its object is the Connect application.
    events = _get(standin, "/v1/events?limit=100")["data"]
    objects["application"] = next(e for e in events if e["type"] == "account.application.authorized")["data"]["object"]
    return objects


TYPES = ["account", "customer", "subscription", "subscription_item", "price", "plan", "product", "invoice",
         "line_item", "charge", "refund", "event", "webhook_endpoint", "discount", "coupon", "application",
         "deleted_webhook_endpoint"]
PREFIXES = {"account": "acct_", "customer": "cus_", "subscription": "sub_", "subscription_item": "si_",
            "price": "price_", "plan": "price_", "product": "prod_", "invoice": "in_", "line_item": "il_",
            "charge": "ch_", "refund": "re_", "event": "evt_", "webhook_endpoint": "we_", "discount": "di_",
            "application": "ca_", "deleted_webhook_endpoint": "we_"}


@pytest.mark.parametrize("kind", TYPES)
def test_the_object_has_every_key_of_stripes_fixture(served, kind):
    fixture = stripe_fixtures()[kind]
    obj = served[kind]
    assert not _missing(fixture, obj), f"{kind} lacks keys {sorted(_missing(fixture, obj))}"
    assert obj["object"] == fixture["object"]
    if kind in PREFIXES:
        assert obj["id"].startswith(PREFIXES[kind])
    for key, value in fixture.items():
        if isinstance(value, bool):
            assert isinstance(obj[key], bool), f"{kind}.{key} should be a boolean"
        elif isinstance(value, int) and obj[key] is not None:
            assert isinstance(obj[key], int) and not isinstance(obj[key], bool), f"{kind}.{key} should be an int"
        elif isinstance(value, str) and obj[key] is not None and key != "id":
            assert isinstance(obj[key], str), f"{kind}.{key} should be a string"
        elif isinstance(value, list) and obj[key] is not None:
            assert isinstance(obj[key], list), f"{kind}.{key} should be a list"


def test_nested_lists_are_stripe_list_objects(served):
    for kind, key in (("invoice", "lines"), ("subscription", "items"), ("charge", "refunds")):
        nested = served[kind][key]
        assert nested["object"] == "list" and {"data", "has_more", "url"} <= set(nested)
