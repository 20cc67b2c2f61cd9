"""Connect and Checkout objects have the pinned API version's shape: the SDK's model and Stripe's fixture decide,
as for every other object (see test_its_objects_have_the_pinned_api_versions_shape.py)."""

from __future__ import annotations

import copy

import pytest

from .helpers import stripe_fixtures
from .hosted import AGENCY_PRICE, api, checkout_session, express_account, onboard, onboarding_link, pay
from .shapes import Checker

SESSION_EXPAND = ("customer", "subscription", "invoice")


def _ok(resp) -> dict:
    assert resp.status_code == 200, resp.text
    return resp.json()


@pytest.fixture(scope="module")
def served(standin) -> dict[str, tuple[dict, set[str]]]:
    """kind -> (object as served over HTTP, paths the request expanded)."""
    standin.reset(everything=True)
    new = _ok(api(standin, "POST", "/v1/accounts", type="express", email="a@agency.test", country="US"))
    link = onboarding_link(standin, new["id"])
    onboard(link.url, "finish")
    onboarded = _ok(api(standin, "GET", f"/v1/accounts/{new['id']}"))
    login = _ok(api(standin, "POST", f"/v1/accounts/{new['id']}/login_links"))
    standin.action("set_balance", account=new["id"], available=9000, pending=100)
    paid = standin.action("create_payout", account=new["id"], amount=1000, status="paid")["event"]["data"]["object"]
    failing = standin.action("create_payout", account=new["id"], amount=2000)["event"]["data"]["object"]
    standin.action("fail_payout", account=new["id"], payout=failing["id"], failure_code="no_account")
    reviewed = express_account(standin, "b@agency.test")
    onboard(onboarding_link(standin, reviewed.id).url, "review")
    session = checkout_session(standin)
    opened = _ok(api(standin, "GET", f"/v1/checkout/sessions/{session.id}"))
    pay(session.url, "4242424242424242")
    complete = _ok(api(standin, "GET", f"/v1/checkout/sessions/{session.id}", **{"expand[]": list(SESSION_EXPAND)}))
    portal = _ok(
        api(standin, "POST", "/v1/billing_portal/sessions", customer=complete["customer"]["id"], return_url="http://x")
    )
    product = _ok(api(standin, "POST", "/v1/products", name="Extra seats"))
    price = _ok(
        api(
            standin,
            "POST",
            "/v1/prices",
            product=product["id"],
            unit_amount="500",
            currency="usd",
            **{"recurring[interval]": "month"},
        )
    )
    platform_events = _ok(api(standin, "GET", "/v1/events", limit="100"))["data"]
    account_events = _ok(api(standin, "GET", "/v1/events", new["id"], limit="100"))["data"]
    return {
        "account (new express)": (new, set()),
        "account (onboarded)": (onboarded, set()),
        "account (payouts failed)": (_ok(api(standin, "GET", f"/v1/accounts/{new['id']}")), set()),
        "account (under review)": (_ok(api(standin, "GET", f"/v1/accounts/{reviewed.id}")), set()),
        "account_link": (
            _ok(
                api(
                    standin,
                    "POST",
                    "/v1/account_links",
                    account=new["id"],
                    type="account_onboarding",
                    refresh_url="http://x/r",
                    return_url="http://x/b",
                )
            ),
            set(),
        ),
        "login_link": (login, set()),
        "balance": (_ok(api(standin, "GET", "/v1/balance", new["id"])), set()),
        "payout (paid)": (_ok(api(standin, "GET", f"/v1/payouts/{paid['id']}", new["id"])), set()),
        "payout (failed)": (_ok(api(standin, "GET", f"/v1/payouts/{failing['id']}", new["id"])), set()),
        "checkout.session (open)": (opened, set()),
        "checkout.session (complete, expanded)": (complete, set(SESSION_EXPAND)),
        "billing_portal.session": (portal, set()),
        "subscription (from checkout)": (complete["subscription"], set()),
        "invoice (from checkout)": (complete["invoice"], set()),
        "product (created)": (product, set()),
        "price (created)": (price, set()),
        "event (checkout.session.completed)": (
            next(e for e in platform_events if e["type"] == "checkout.session.completed"),
            set(),
        ),
        "event (account.updated)": (next(e for e in account_events if e["type"] == "account.updated"), set()),
        "event (payout.failed)": (next(e for e in account_events if e["type"] == "payout.failed"), set()),
    }


KINDS = [
    "account (new express)",
    "account (onboarded)",
    "account (payouts failed)",
    "account (under review)",
    "account_link",
    "login_link",
    "balance",
    "payout (paid)",
    "payout (failed)",
    "checkout.session (open)",
    "checkout.session (complete, expanded)",
    "billing_portal.session",
    "subscription (from checkout)",
    "invoice (from checkout)",
    "product (created)",
    "price (created)",
    "event (checkout.session.completed)",
    "event (account.updated)",
    "event (payout.failed)",
]


@pytest.mark.parametrize("kind", KINDS)
def test_the_object_has_every_field_of_the_pinned_version_and_no_other(served, kind):
    obj, expanded = served[kind]
    problems = Checker(stripe_fixtures()).check(obj, kind, expanded)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("kind", [k for k in KINDS if k.startswith("event")])
def test_the_object_inside_an_event_has_the_pinned_shape_too(served, kind):
    obj = served[kind][0]["data"]["object"]
    problems = Checker(stripe_fixtures()).check(obj, f"{kind}.data.object")
    assert not problems, "\n".join(problems)


def test_the_checker_reports_a_removed_field_and_a_missing_one_on_these_objects_too(served):
    session = copy.deepcopy(served["checkout.session (open)"][0])
    session["display_items"] = []
    del session["success_url"]
    payout = copy.deepcopy(served["payout (failed)"][0])
    del payout["failure_message"]
    checker = Checker(stripe_fixtures())
    assert "removed or unknown field 'display_items'" in "\n".join(checker.check(session))
    assert "missing field 'success_url'" in "\n".join(checker.check(session))
    assert "missing field 'failure_message'" in "\n".join(checker.check(payout))


def test_includable_line_items_are_not_sent_and_express_accounts_are_controlled_by_the_platform(served):
    session = served["checkout.session (open)"][0]
    assert "line_items" not in session, "line_items is includable: Stripe sends it only when expand[] asks"
    assert (
        isinstance(session["customer"], type(None))
        and served["checkout.session (complete, expanded)"][0]["subscription"]["object"] == "subscription"
    )
    account = served["account (onboarded)"][0]
    assert account["type"] == "express" and account["controller"]["type"] == "application"
    assert served["subscription (from checkout)"][0]["items"]["data"][0]["price"]["id"] == AGENCY_PRICE
