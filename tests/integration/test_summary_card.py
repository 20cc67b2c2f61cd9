"""The post-connection card: "We found X invoices, matched Y to clients", Review unmatched, dismiss, reappear."""

from __future__ import annotations

from datetime import timedelta

from app.core.timeutil import utcnow
from app.integrations.tables import StripeConnection
from app.stripe_data.matching import rematch
from app.workspaces.services import set_plan
from tests import factories as f
from tests.conftest import login, post_form

SUMMARY = "/dashboard/integrations/stripe/summary"


async def _synced(alice):
    ws = alice.workspace.id
    await set_plan(ws, "agency")
    await StripeConnection.insert(
        StripeConnection(workspace=ws, stripe_account_id=f.ACCOUNT, account_name="Alice", connected_at=utcnow())
    )
    await f.client(ws, "Acme", domains=("acme.com",))
    matched = await f.customer(ws, email="ap@acme.com")
    other = await f.customer(ws, email="who@nowhere.io")
    for _ in range(3):
        await f.invoice(matched)
    await f.invoice(other)
    await f.finished_sync(ws)
    await rematch(ws, f.ACCOUNT)


async def test_no_card_before_any_data(client, alice):
    await login(client, alice)
    page = await client.get("/dashboard/integrations")
    assert 'data-testid="summary-card"' not in page.text


async def test_the_card_shows_x_and_y_with_a_review_button(client, alice, bob):
    await _synced(alice)
    await login(client, bob)  # teammates see it too
    page = await client.get("/dashboard/integrations")
    assert "We found 4 invoices, matched 3 to clients" in page.text
    assert (
        'data-testid="review-unmatched"' in page.text and 'href="/dashboard/integrations/stripe/unmatched"' in page.text
    )


async def test_the_card_fragment_for_htmx_and_a_redirect_otherwise(client, alice):
    await _synced(alice)
    await login(client, alice)
    fragment = await client.get(SUMMARY, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and "We found 4 invoices" in fragment.text
    assert fragment.headers["vary"] == "HX-Request"
    plain = await client.get(SUMMARY, follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"] == "/dashboard/integrations"


async def test_dismiss_hides_it_until_a_later_sync_finishes(client, alice):
    await _synced(alice)
    await login(client, alice)
    response = await post_form(client, f"{SUMMARY}/dismiss", htmx=True)
    assert response.status_code == 200 and 'id="summary-card"' in response.text
    assert 'data-testid="summary-card"' not in response.text
    assert 'data-testid="summary-card"' not in (await client.get("/dashboard/integrations")).text
    cust = await f.customer(alice.workspace.id, email="new@acme.com")
    await f.invoice(cust)
    await rematch(alice.workspace.id, f.ACCOUNT)
    await f.finished_sync(alice.workspace.id, finished_at=utcnow() + timedelta(seconds=1))
    assert "We found 5 invoices, matched 4 to clients" in (await client.get("/dashboard/integrations")).text


async def test_dismiss_without_javascript_redirects(client, alice):
    await _synced(alice)
    await login(client, alice)
    response = await post_form(client, f"{SUMMARY}/dismiss", follow_redirects=False)
    assert response.status_code == 303
    assert 'data-testid="summary-card"' not in (await client.get("/dashboard/integrations")).text
