"""Connect OAuth: consent page with account switcher, connect/deny, code exchange, deauthorize."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
import stripe

from .helpers import ELSEWHERE, NORTHWIND_DIGITAL, NORTHWIND_LABS

REDIRECT = "http://127.0.0.1:8000/integrations/stripe/callback"


def authorize_url(standin, state="st-123", **extra) -> str:
    params = {"scope": "read_write", "redirect_uri": REDIRECT, "state": state, **extra}
    return standin.sdk().oauth.authorize_url(params=params)


def consent(standin, url: str) -> str:
    resp = httpx.get(url)
    assert resp.status_code == 200, resp.text
    return resp.text


def decide(
    standin, action: str, account: str | None = None, state: str = "st-123", email: str = "owner@demo.test"
) -> httpx.Response:
    form = {
        "client_id": standin.client_id,
        "redirect_uri": REDIRECT,
        "state": state,
        "scope": "read_write",
        "stripe_user_email": email,
        "action": action,
    }
    if account:
        form["account"] = account
    return httpx.post(f"{standin.base_url}/oauth/authorize", data=form)


def test_the_sdk_builds_the_authorize_url_on_the_stand_in(fresh_standin):
    url = urlparse(authorize_url(fresh_standin))
    assert f"{url.scheme}://{url.netloc}" == fresh_standin.base_url and url.path == "/oauth/authorize"
    query = parse_qs(url.query)
    assert query["client_id"] == [fresh_standin.client_id] and query["response_type"] == ["code"]


def test_the_consent_page_shows_the_user_permissions_and_an_account_switcher(fresh_standin):
    html = consent(fresh_standin, authorize_url(fresh_standin))
    assert "owner@demo.test" in html
    assert "Read invoices, payments, customers, subscriptions" in html
    switcher = re.search(r'<select[^>]*data-testid="account-switcher"[^>]*>(.*?)</select>', html, re.S)
    assert switcher, "the account switcher should be a <select>"
    options = re.findall(r'<option value="(acct_[^"]+)">([^<]+)</option>', switcher.group(1))
    assert options == [(NORTHWIND_DIGITAL, "Northwind Digital"), (NORTHWIND_LABS, "Northwind Labs Ltd")]
    assert 'data-testid="connect-button"' in html and "Connect my Stripe account" in html
    assert 'data-testid="deny-button"' in html and ">Deny<" in html


def test_the_consent_page_escapes_what_it_echoes(fresh_standin):
    html = consent(fresh_standin, authorize_url(fresh_standin, state='"><script>alert(1)</script>'))
    assert "<script>alert(1)</script>" not in html


def test_another_user_sees_their_own_accounts(fresh_standin):
    html = consent(fresh_standin, authorize_url(fresh_standin, stripe_user_email="someone@elsewhere.test"))
    assert ELSEWHERE in html and NORTHWIND_DIGITAL not in html


def test_an_unknown_client_id_gets_an_error_page(fresh_standin):
    resp = httpx.get(
        f"{fresh_standin.base_url}/oauth/authorize",
        params={"client_id": "ca_nope", "response_type": "code", "scope": "read_write", "redirect_uri": REDIRECT},
    )
    assert resp.status_code == 400 and 'data-testid="oauth-error"' in resp.text


def test_connect_redirects_with_a_code_that_exchanges_once(fresh_standin):
    resp = decide(fresh_standin, "connect", NORTHWIND_LABS)
    assert resp.status_code == 302
    location = urlparse(resp.headers["location"])
    assert location.geturl().startswith(REDIRECT)
    query = parse_qs(location.query)
    assert query["state"] == ["st-123"] and query["code"][0].startswith("ac_")
    client = fresh_standin.sdk()
    token = client.oauth.token(params={"grant_type": "authorization_code", "code": query["code"][0]})
    assert token.stripe_user_id == NORTHWIND_LABS
    assert token.token_type == "bearer" and token.scope == "read_write" and token.livemode is False
    assert token.access_token.startswith("sk_test_") and token.refresh_token.startswith("rt_")
    assert token.stripe_publishable_key.startswith("pk_test_")
    with pytest.raises(stripe.oauth_error.InvalidGrantError):
        client.oauth.token(params={"grant_type": "authorization_code", "code": query["code"][0]})
    assert client.v1.customers.list(options={"stripe_account": NORTHWIND_LABS}).data


def test_an_unknown_code_is_invalid_grant(fresh_standin):
    resp = httpx.post(
        f"{fresh_standin.base_url}/oauth/token",
        headers={"Authorization": f"Bearer {fresh_standin.secret_key}"},
        data={"grant_type": "authorization_code", "code": "ac_bogus"},
    )
    assert resp.status_code == 400
    assert resp.json()["error"] == "invalid_grant" and resp.json()["error_description"]


def test_deny_redirects_with_access_denied(fresh_standin):
    resp = decide(fresh_standin, "deny")
    assert resp.status_code == 302
    query = parse_qs(urlparse(resp.headers["location"]).query)
    assert query == {
        "error": ["access_denied"],
        "error_description": ["The user denied your request"],
        "state": ["st-123"],
    }


def test_deauthorize_unlinks_the_account_and_emits_an_event(fresh_standin):
    fresh_standin.link(NORTHWIND_DIGITAL)
    client = fresh_standin.sdk()
    result = client.oauth.deauthorize(params={"stripe_user_id": NORTHWIND_DIGITAL})
    assert result.stripe_user_id == NORTHWIND_DIGITAL
    with pytest.raises(stripe.PermissionError):
        client.v1.customers.list(options={"stripe_account": NORTHWIND_DIGITAL})
    with pytest.raises(stripe.oauth_error.InvalidClientError):
        client.oauth.deauthorize(params={"stripe_user_id": NORTHWIND_DIGITAL})
    fresh_standin.link(NORTHWIND_DIGITAL)  # reconnect to read the event log
    events = client.v1.events.list(
        params={"type": "account.application.deauthorized"}, options={"stripe_account": NORTHWIND_DIGITAL}
    )
    # Listed with Stripe-Account, an event names no account (only Connect webhooks carry it).
    assert events.data and getattr(events.data[0], "account", None) is None


def test_token_exchange_needs_the_platform_secret_key(fresh_standin):
    code = fresh_standin.action("issue_code", account=NORTHWIND_DIGITAL)["code"]
    resp = httpx.post(f"{fresh_standin.base_url}/oauth/token", data={"grant_type": "authorization_code", "code": code})
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_client"
