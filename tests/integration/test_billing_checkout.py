"""Paying for ClientPulse: Checkout on the platform account, and a plan that follows Stripe's verified webhook only."""

from __future__ import annotations

from urllib.parse import urlparse

import httpx

from app.billing import events, services
from app.billing.tables import PlanSubscription
from app.core.timeutil import utcnow
from app.integrations.tables import StripeEvent
from app.workspaces import plans
from app.workspaces.services import set_plan
from app.workspaces.tables import Workspace
from tests.conftest import login, post_form
from tests.integration.billing_support import (
    BILLING,
    PURCHASE,
    buy,
    deliver,
    fx_platform,  # noqa: F401 (the `platform` fixture)
    start_checkout,
)
from tests.integration.conftest import signed
from tests.plugins.standin import NORTHWIND_DIGITAL

PLAN_STATUS = f"{BILLING}/plan"
AGENCY = plans.terms("agency")


async def _plan(persona) -> str:
    return (await Workspace.select(Workspace.plan).where(Workspace.id == persona.workspace.id).first())["plan"]


async def _subscription(persona) -> PlanSubscription:
    return await PlanSubscription.objects().where(PlanSubscription.workspace == persona.workspace.id).first()


async def _paid_agency(client, alice, stripe_standin, platform) -> dict:
    """Alice buys Agency and Stripe's events land, in the order Stripe sent them."""
    await login(client, alice)
    paid = await buy(client, stripe_standin)
    await deliver(client, platform.take(PURCHASE))
    assert await _plan(alice) == "agency"
    return paid


async def _cancel_now(client, platform, paid: dict) -> None:
    """The owner opens the Customer Portal, cancels at once, and Stripe's events land."""
    portal = await post_form(client, f"{BILLING}/portal", follow_redirects=False)
    form = {"subscription": paid["subscription"], "when": "now"}
    await deliver(client, platform.after(lambda: httpx.post(portal.headers["location"], data=form)))


async def test_the_owner_is_sent_to_stripes_checkout_for_the_plan_with_the_workspace_as_its_reference(
    client, alice, stripe_standin, platform
):
    await login(client, alice)
    response = await start_checkout(client, "agency")
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(f"{stripe_standin.base_url}/c/pay/cs_")
    session = stripe_standin.sdk().v1.checkout.sessions.retrieve(urlparse(location).path.rsplit("/", 1)[-1])
    assert session.mode == "subscription" and session.client_reference_id == str(alice.workspace.id)
    assert session.amount_total == AGENCY.monthly_usd * 100 and session.currency == "usd"
    assert session.success_url == f"http://127.0.0.1:8000{BILLING}?checkout={{CHECKOUT_SESSION_ID}}"
    assert session.cancel_url == f"http://127.0.0.1:8000{BILLING}" and session.customer_email == alice.user.email


async def test_htmx_gets_the_checkout_address_as_a_client_redirect(client, alice, stripe_standin, platform):
    await login(client, alice)
    response = await start_checkout(client, "pro", htmx=True)
    assert response.status_code == 200 and "/c/pay/cs_" in response.headers["hx-redirect"]
    session = stripe_standin.sdk().v1.checkout.sessions.retrieve(response.headers["hx-redirect"].rsplit("/", 1)[-1])
    assert session.amount_total == plans.terms("pro").monthly_usd * 100


async def test_a_teammate_sees_the_plans_but_cannot_buy_or_manage_them(client, alice, bob, stripe_standin, platform):
    await login(client, bob)
    page = (await client.get(BILLING)).text
    assert AGENCY.price in page and "choose-agency" not in page and "Only owners can change the plan." in page
    for htmx in (False, True):
        assert (await start_checkout(client, "agency", htmx=htmx)).status_code == 403
        assert (await post_form(client, f"{BILLING}/portal", htmx=htmx)).status_code == 403
    assert stripe_standin.requests(method="POST") == [], "nothing was asked of Stripe"


async def test_only_a_plan_sold_through_checkout_can_be_chosen(client, alice, stripe_standin, platform):
    await login(client, alice)
    for plan in ("free", "enterprise", ""):
        response = await start_checkout(client, plan)
        assert response.status_code == 422 and "Choose a plan to buy." in response.text


async def test_paying_changes_the_plan_only_once_the_verified_webhook_lands(client, alice, stripe_standin, platform):
    await login(client, alice)
    paid = await buy(client, stripe_standin)
    back = f"{BILLING}?checkout={paid['session']}"

    page = (await client.get(back)).text
    assert "Payment received — your plan updates as soon as Stripe confirms." in page
    assert "Current plan: Free" in page and await _plan(alice) == "free", "the return from Checkout changes nothing"
    fragment = await client.get(f"{PLAN_STATUS}?checkout={paid['session']}", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "hx-refresh" not in fragment.headers
    assert 'hx-trigger="every 2s"' in fragment.text and "<html" not in fragment.text

    await deliver(client, platform.take(PURCHASE))
    assert await _plan(alice) == "agency"
    fragment = await client.get(f"{PLAN_STATUS}?checkout={paid['session']}", headers={"HX-Request": "true"})
    assert fragment.headers["hx-refresh"] == "true" and "Current plan: Agency" in fragment.text
    full = await client.get(f"{PLAN_STATUS}?checkout={paid['session']}")
    assert "<html" in full.text and "hx-refresh" not in full.headers and 'data-testid="checkout-confirmed"' in full.text
    row = await _subscription(alice)
    assert (row.stripe_subscription_id, row.stripe_customer_id) == (paid["subscription"], paid["customer"])
    assert row.status == "active" and row.price_id == "price_ClientPulseAgencyMonthly"
    assert row.current_period_end is not None and row.last_event_created > 0


async def test_a_forged_or_foreign_return_says_nothing_about_a_payment(
    client, alice, charlie, stripe_standin, platform
):
    await login(client, charlie)
    charlies = await buy(client, stripe_standin)
    await login(client, alice)
    for session in ("cs_test_forged", charlies["session"], "../../v1/customers", ""):
        page = (await client.get(BILLING, params={"checkout": session})).text
        assert "Payment received" not in page and "checkout-confirmed" not in page
        fragment = await client.get(PLAN_STATUS, params={"checkout": session}, headers={"HX-Request": "true"})
        assert fragment.headers["hx-refresh"] == "true", "nothing to wait for: polling stops"
    assert await _plan(alice) == "free" and await _subscription(alice) is None


async def test_a_replayed_webhook_changes_nothing_twice(client, alice, stripe_standin, platform):
    await login(client, alice)
    await buy(client, stripe_standin)
    deliveries = platform.take(PURCHASE)
    answers = await deliver(client, deliveries)
    assert not any(answer["duplicate"] for answer in answers) and await _plan(alice) == "agency"
    await set_plan(alice.workspace.id, "pro")  # an operator's change after the purchase
    stored = await StripeEvent.count()

    replayed = await deliver(client, deliveries)
    assert all(answer["duplicate"] for answer in replayed)
    assert await StripeEvent.count() == stored and await _plan(alice) == "pro", "the replay applied nothing"


async def test_events_in_any_order_end_in_stripes_latest_state(client, alice, stripe_standin, platform):
    await login(client, alice)
    await buy(client, stripe_standin)
    purchase = platform.take(PURCHASE)
    # The completed session last and the `incomplete` create event after the `active` update: still Agency.
    await deliver(client, list(reversed(purchase)))
    assert await _plan(alice) == "agency" and (await _subscription(alice)).status == "active"


async def test_stale_purchase_events_after_a_cancellation_leave_the_workspace_on_free(
    client, alice, stripe_standin, platform
):
    await login(client, alice)
    paid = await buy(client, stripe_standin)
    purchase = platform.take(PURCHASE)
    await deliver(client, [d for d in purchase if d.type == "checkout.session.completed"])
    assert await _plan(alice) == "agency"
    await _cancel_now(client, platform, paid)
    assert await _plan(alice) == "free"
    await deliver(client, [d for d in purchase if d.type != "checkout.session.completed"])  # late: `active` events
    assert await _plan(alice) == "free" and (await _subscription(alice)).status == "canceled"


async def test_a_slow_handler_holding_an_older_fetch_of_the_subscription_changes_nothing(
    client, alice, stripe_standin, platform
):
    paid = await _paid_agency(client, alice, stripe_standin, platform)
    fetched_at = utcnow()
    active = await services.fetch_subscription(paid["subscription"])  # then the owner cancels, and that lands first
    await _cancel_now(client, platform, paid)
    assert await _plan(alice) == "free"
    assert await events.apply(active, fetched_at) is None
    assert await _plan(alice) == "free" and (await _subscription(alice)).status == "canceled"


async def test_a_failed_renewal_keeps_the_plan_while_stripe_retries_and_drops_to_free_when_retries_run_out(
    client, alice, stripe_standin, platform
):
    paid = await _paid_agency(client, alice, stripe_standin, platform)

    def fail_renewal():
        stripe_standin.action("fail_subscription_renewal", subscription=paid["subscription"])

    failed = platform.after(fail_renewal)
    assert "invoice.payment_failed" in [d.type for d in failed]
    await deliver(client, failed)
    assert await _plan(alice) == "agency" and (await _subscription(alice)).status == "past_due"
    assert 'data-testid="payment-failed"' in (await client.get(BILLING)).text

    await deliver(client, platform.after(fail_renewal))
    assert await _plan(alice) == "free" and (await _subscription(alice)).status == "canceled"


async def test_cancelling_in_the_customer_portal_drops_the_plan_to_free(client, alice, stripe_standin, platform):
    paid = await _paid_agency(client, alice, stripe_standin, platform)
    assert 'data-testid="manage-subscription"' in (await client.get(BILLING)).text
    portal = await post_form(client, f"{BILLING}/portal", follow_redirects=False)
    assert portal.status_code == 303 and portal.headers["location"].startswith(f"{stripe_standin.base_url}/p/session/")
    answers = []

    def cancel_now():
        answers.append(
            httpx.post(portal.headers["location"], data={"subscription": paid["subscription"], "when": "now"})
        )

    await deliver(client, platform.after(cancel_now))
    assert answers[0].status_code == 303 and answers[0].headers["location"] == f"http://127.0.0.1:8000{BILLING}"
    assert await _plan(alice) == "free"
    page = (await client.get(BILLING)).text
    assert "Current plan: Free" in page and 'data-testid="choose-agency"' in page


async def test_cancelling_at_period_end_keeps_the_plan_and_says_until_when(client, alice, stripe_standin, platform):
    paid = await _paid_agency(client, alice, stripe_standin, platform)
    portal = await post_form(client, f"{BILLING}/portal", htmx=True)
    assert portal.status_code == 200 and "/p/session/" in portal.headers["hx-redirect"]
    form = {"subscription": paid["subscription"], "when": "period_end"}
    await deliver(client, platform.after(lambda: httpx.post(portal.headers["hx-redirect"], data=form)))
    assert await _plan(alice) == "agency"
    ends = (await _subscription(alice)).current_period_end.strftime("%-d %B %Y")
    assert f"Cancelled: Agency ends on {ends}, then this workspace moves to Free." in (await client.get(BILLING)).text


async def test_buying_again_reuses_the_workspaces_stripe_customer(client, alice, stripe_standin, platform):
    paid = await _paid_agency(client, alice, stripe_standin, platform)
    assert (await start_checkout(client, "pro")).status_code == 409, "a live subscription is changed in the Portal"
    await _cancel_now(client, platform, paid)
    again = await buy(client, stripe_standin, plan="pro")
    assert again["customer"] == paid["customer"]
    await deliver(client, platform.take(PURCHASE - 1))  # no customer.created this time
    assert await _plan(alice) == "pro" and (await _subscription(alice)).stripe_subscription_id == again["subscription"]


async def test_a_stripe_price_that_differs_from_the_page_is_never_sold(
    client, alice, stripe_standin, platform, monkeypatch
):
    from app.settings import get_settings

    sdk = stripe_standin.sdk()
    product = sdk.v1.products.create(params={"name": "ClientPulse Pro (mistyped)"})
    wrong = sdk.v1.prices.create(
        params={"product": product.id, "unit_amount": 19900, "currency": "usd", "recurring": {"interval": "month"}}
    )
    monkeypatch.setenv("STRIPE_PRICE_PRO", wrong.id)
    get_settings.cache_clear()
    await login(client, alice)
    response = await start_checkout(client, "pro")
    assert (
        response.status_code == 400
        and f"its Stripe price isn&#39;t {plans.terms('pro').monthly_price}" in response.text
    )
    assert not [r for r in stripe_standin.requests(method="POST") if r["path"] == "/v1/checkout/sessions"]


async def test_a_connected_accounts_subscription_event_never_touches_the_plan(client, alice, stripe_standin, platform):
    """An agency's own customer.subscription.updated comes with `account`: it is the agency's data, not our plan."""
    await login(client, alice)
    paid = await buy(client, stripe_standin)
    platform.take(PURCHASE)
    subscription = httpx.get(
        f"{stripe_standin.base_url}/v1/subscriptions/{paid['subscription']}",
        headers={"Authorization": f"Bearer {stripe_standin.secret_key}"},
    ).json()
    event = {
        "id": "evt_connect_lookalike",
        "object": "event",
        "type": "customer.subscription.updated",
        "account": NORTHWIND_DIGITAL,
        "created": subscription["created"],
        "data": {"object": subscription},
    }
    payload, headers = signed(event)
    assert (await client.post("/billing/stripe/webhook", content=payload, headers=headers)).status_code == 200
    assert await _plan(alice) == "free" and await _subscription(alice) is None
