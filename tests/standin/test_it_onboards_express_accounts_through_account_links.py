"""Express accounts the platform creates, and Stripe's hosted onboarding reached through account links."""

from __future__ import annotations

import httpx
import pytest
import stripe

from tests.plugins.standin import wait_until

from .hosted import api, express_account, onboard, onboarding_link
from .test_it_signs_webhooks_like_stripe import Receiver

RETURN = "http://127.0.0.1:9/auto-billing/return"
REFRESH = "http://127.0.0.1:9/auto-billing/refresh"


@pytest.fixture
def receiver():
    rec = Receiver()
    yield rec
    rec.close()


def test_a_new_express_account_has_email_and_country_but_nothing_enabled_until_onboarding(fresh_standin):
    account = express_account(fresh_standin, "owner@agency.test")
    assert account.id.startswith("acct_") and account.type == "express"
    assert account.email == "owner@agency.test" and account.country == "US"
    assert not account.charges_enabled and not account.payouts_enabled and not account.details_submitted
    assert "external_account" in account.requirements.currently_due
    assert account.requirements.disabled_reason == "requirements.past_due"
    assert account.controller.stripe_dashboard.type == "express"
    assert fresh_standin.sdk().v1.accounts.retrieve(account.id).email == "owner@agency.test"


def test_only_express_accounts_are_created_and_only_with_the_platform_key(fresh_standin):
    standard = api(fresh_standin, "POST", "/v1/accounts", type="standard", email="a@b.test")
    assert standard.status_code == 400 and standard.json()["error"]["param"] == "type"
    fresh_standin.link()
    as_connected = api(fresh_standin, "POST", "/v1/accounts", "acct_1NorthwindDigital", type="express")
    assert as_connected.status_code == 400


def test_an_account_link_points_at_the_hosted_onboarding_page_and_expires_in_minutes(fresh_standin):
    account = express_account(fresh_standin)
    link = onboarding_link(fresh_standin, account.id)
    assert link.object == "account_link"
    assert link.url.startswith(fresh_standin.base_url + "/setup/s/" + account.id)
    assert 0 < link.expires_at - link.created <= 600
    page = httpx.get(link.url)
    assert page.status_code == 200 and 'data-testid="onboarding-finish"' in page.text


@pytest.mark.parametrize("missing", ["account", "type", "refresh_url", "return_url"])
def test_an_account_link_needs_its_account_type_and_both_urls(fresh_standin, missing):
    account = express_account(fresh_standin)
    params = {"account": account.id, "type": "account_onboarding", "refresh_url": REFRESH, "return_url": RETURN}
    del params[missing]
    resp = api(fresh_standin, "POST", "/v1/account_links", **params)
    assert resp.status_code == 400 and resp.json()["error"]["param"] == missing


def test_an_account_link_for_an_account_the_platform_did_not_create_is_refused(fresh_standin):
    fresh_standin.link()
    resp = api(
        fresh_standin,
        "POST",
        "/v1/account_links",
        account="acct_1NorthwindDigital",
        type="account_onboarding",
        refresh_url=REFRESH,
        return_url=RETURN,
    )
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "resource_missing"


def test_finishing_onboarding_enables_charges_and_payouts_and_returns_to_the_return_url(fresh_standin):
    account = express_account(fresh_standin)
    done = onboard(onboarding_link(fresh_standin, account.id).url, "finish", business_name="Acme Agency")
    assert done.status_code == 303 and done.headers["location"] == RETURN
    account = fresh_standin.sdk().v1.accounts.retrieve(account.id)
    assert account.details_submitted and account.charges_enabled and account.payouts_enabled
    assert account.requirements.currently_due == [] and account.requirements.past_due == []
    assert account.requirements.disabled_reason is None
    assert account.capabilities.card_payments == "active"


def test_leaving_onboarding_half_done_keeps_what_is_missing_due(fresh_standin):
    account = express_account(fresh_standin)
    done = onboard(onboarding_link(fresh_standin, account.id).url, "later")
    assert done.headers["location"] == RETURN
    account = fresh_standin.sdk().v1.accounts.retrieve(account.id)
    assert not account.details_submitted and not account.charges_enabled and not account.payouts_enabled
    assert "external_account" in account.requirements.currently_due
    assert account.requirements.past_due == account.requirements.currently_due
    assert account.requirements.disabled_reason == "requirements.past_due"


def test_submitting_a_document_leaves_the_account_under_review_until_stripe_verifies_it(fresh_standin):
    account = express_account(fresh_standin)
    onboard(onboarding_link(fresh_standin, account.id).url, "review")
    account = fresh_standin.sdk().v1.accounts.retrieve(account.id)
    assert account.details_submitted and not account.charges_enabled and not account.payouts_enabled
    assert account.requirements.pending_verification and account.requirements.currently_due == []
    assert account.requirements.disabled_reason == "requirements.pending_verification"
    fresh_standin.action("verify_account", account=account.id)
    account = fresh_standin.sdk().v1.accounts.retrieve(account.id)
    assert account.charges_enabled and account.payouts_enabled and account.requirements.pending_verification == []


def test_a_used_link_sends_the_browser_to_the_refresh_url(fresh_standin):
    account = express_account(fresh_standin)
    link = onboarding_link(fresh_standin, account.id)
    assert httpx.get(link.url).status_code == 200
    again = httpx.get(link.url)
    assert again.status_code == 303 and again.headers["location"] == REFRESH


def test_an_expired_link_sends_the_browser_to_the_refresh_url(fresh_standin):
    account = express_account(fresh_standin)
    link = onboarding_link(fresh_standin, account.id)
    fresh_standin.set_clock(link.expires_at + 1)
    late = httpx.get(link.url)
    assert late.status_code == 303 and late.headers["location"] == REFRESH


def test_an_onboarding_form_cannot_be_submitted_twice(fresh_standin):
    account = express_account(fresh_standin)
    url = onboarding_link(fresh_standin, account.id).url
    with httpx.Client() as browser:
        page = browser.get(url).text
        session = page.split('name="session" value="')[1].split('"')[0]
        assert browser.post(url, data={"session": session, "outcome": "later"}).status_code == 303
        again = browser.post(url, data={"session": session, "outcome": "finish"})
    assert again.status_code == 400
    assert not fresh_standin.sdk().v1.accounts.retrieve(account.id).charges_enabled


def test_an_onboarding_link_after_a_half_done_onboarding_asks_for_what_is_still_due(fresh_standin):
    account = express_account(fresh_standin)
    onboard(onboarding_link(fresh_standin, account.id).url, "later")
    page = httpx.get(onboarding_link(fresh_standin, account.id).url)
    assert 'data-testid="onboarding-currently-due"' in page.text and "external_account" in page.text
    assert onboard(onboarding_link(fresh_standin, account.id).url, "finish").status_code == 303
    assert fresh_standin.sdk().v1.accounts.retrieve(account.id).charges_enabled


def test_an_update_link_is_refused_for_an_express_account_as_stripe_does(fresh_standin):
    account = express_account(fresh_standin)
    with pytest.raises(stripe.InvalidRequestError) as err:
        onboarding_link(fresh_standin, account.id, "account_update")
    assert err.value.param == "type" and "account_onboarding" in str(err.value)


def test_the_onboarding_page_escapes_what_it_shows(fresh_standin):
    account = express_account(fresh_standin, "<script>alert(1)</script>@x.test")
    page = httpx.get(onboarding_link(fresh_standin, account.id).url).text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_onboarding_sends_account_updated_to_the_platforms_connect_endpoint_with_the_account(fresh_standin, receiver):
    secret = fresh_standin.register_webhook(receiver.url, ["account.updated"], connect=True)
    account = express_account(fresh_standin)
    onboard(onboarding_link(fresh_standin, account.id).url, "later")
    onboard(onboarding_link(fresh_standin, account.id).url, "finish")
    wait_until(lambda: len(receiver.received) >= 2, message="two account.updated webhooks")
    events = [stripe.Webhook.construct_event(b, h["Stripe-Signature"], secret) for b, h in receiver.received]
    listed = fresh_standin.sdk().v1.events.list(options={"stripe_account": account.id}).data
    emitted = [e.id for e in reversed(listed)]
    events.sort(key=lambda e: emitted.index(e.id))
    assert [e.type for e in events] == ["account.updated", "account.updated"]
    assert all(e.account == account.id for e in events)
    half, finished = (e.data.object for e in events)
    assert not half.charges_enabled and finished.charges_enabled and finished.payouts_enabled
    assert events[1].data.previous_attributes.charges_enabled is False


def test_a_login_link_opens_the_express_dashboard_of_an_onboarded_account(fresh_standin):
    account = express_account(fresh_standin)
    early = api(fresh_standin, "POST", f"/v1/accounts/{account.id}/login_links")
    assert early.status_code == 400, "Stripe refuses a login link before onboarding is complete"
    onboard(onboarding_link(fresh_standin, account.id).url, "finish")
    login = fresh_standin.sdk().v1.accounts.login_links.create(account.id)
    assert login.object == "login_link" and f"/express/{account.id}/" in login.url
    page = httpx.get(login.url)
    assert page.status_code == 200 and account.id in page.text
    assert 'data-testid="express-payouts">Enabled' in page.text


def test_a_login_link_for_an_account_the_platform_did_not_create_is_not_found(fresh_standin):
    fresh_standin.link()
    resp = api(fresh_standin, "POST", "/v1/accounts/acct_1NorthwindDigital/login_links")
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "resource_missing"
    assert httpx.get(f"{fresh_standin.base_url}/express/acct_1NorthwindDigital/forged").status_code == 404
