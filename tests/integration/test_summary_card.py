"""The post-connection card: "We found X invoices, matched Y to clients", Review unmatched, dismiss, reappear."""

from __future__ import annotations

import re
from datetime import timedelta

from app.core.timeutil import utcnow
from app.integrations.tables import StripeConnection
from app.stripe_data.matching import rematch
from app.stripe_data.tables import StripeCustomer, SyncRun
from app.summary.services import summary_card
from app.workspaces.services import set_plan
from tests import factories as f
from tests.conftest import login, post_form

SUMMARY = "/dashboard/integrations/stripe/summary"


async def _four_invoices(alice) -> int:
    """Alice's agency, connected, with 4 invoices of which 3 are from a customer of her client Acme."""
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
    return ws


async def _synced(alice):
    ws = await _four_invoices(alice)
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


# While an import runs: the progress JSON is the engine's contract (SyncRun.progress), set here as the engine would.
RECENT_DONE = (
    '{"_since": 0, "recent_done": true,'
    ' "customers": {"count": 2, "done": true, "estimate": 2, "windows": []},'
    ' "invoices": {"count": 4, "done": false, "estimate": 10, "windows": []},'
    ' "lines": {"pending": 3, "done": 1}}'
)
NOT_YET = '{"_since": 0, "invoices": {"count": 4, "done": false, "estimate": null}}'


async def _importing(alice, progress: str, status: str = "running", kind: str = "backfill") -> SyncRun:
    """Alice's agency with 4 invoices (3 of Acme's customer) written by a run that is `status`, nothing matched yet."""
    ws = await _four_invoices(alice)
    now = utcnow()
    run = SyncRun(
        workspace=ws,
        account_id=f.ACCOUNT,
        kind=kind,
        status=status,
        progress=progress,
        created_at=now,
        started_at=now,
        finished_at=None if status == "running" else now + timedelta(seconds=1),
    )
    await run.save()
    return run


async def _card(client) -> str:
    response = await client.get(SUMMARY, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.text


def _words(html: str) -> str:
    """What a person reads: tags dropped, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


async def test_before_the_recent_months_are_matched_the_card_shows_x_so_far_and_no_y(client, alice):
    await _importing(alice, NOT_YET)
    await login(client, alice)
    card = await _card(client)
    assert 'data-state="matching"' in card and "We found 4 invoices so far" in card
    assert "matching them to clients…" in card
    assert "matched 0" not in card and "data-matched" not in card, "a Y not looked at yet is never shown"
    assert "every 2s" in card, "polled briskly: the figures are about to become meaningful"
    page = await client.get("/dashboard/integrations")
    assert 'data-state="matching"' in page.text and "We found 4 invoices so far" in page.text


async def test_once_recent_months_are_matched_the_card_shows_both_figures_still_importing_older_history(client, alice):
    await _importing(alice, RECENT_DONE)
    await rematch(alice.workspace.id, f.ACCOUNT)
    await login(client, alice)
    card = await _card(client)
    assert 'data-state="importing"' in card and 'data-matched="3"' in card
    assert "We found 4 invoices, matched 3 to clients so far" in _words(card)
    # 2 of 2 customers and 4 of ~10 invoices: 6 of 12 objects with an estimate.
    assert "Still importing older history — 50%" in card
    assert "every 5s" in card and "matching them to clients" not in card


async def test_the_card_service_says_which_figures_are_final(alice):
    run = await _importing(alice, NOT_YET)
    card = await summary_card(alice.workspace.id)
    assert card.visible and card.matching and not card.importing_older and card.progress_percent is None
    await SyncRun.update({SyncRun.progress: RECENT_DONE}).where(SyncRun.id == run.id)
    await rematch(alice.workspace.id, f.ACCOUNT)
    card = await summary_card(alice.workspace.id)
    assert not card.matching and card.importing_older and card.progress_percent == 50
    await SyncRun.update({SyncRun.status: "done", SyncRun.finished_at: utcnow()}).where(SyncRun.id == run.id)
    card = await summary_card(alice.workspace.id)
    assert (card.matching, card.importing_older, card.progress_percent, card.state) == (False, False, None, "final")


async def test_a_finished_run_whose_closing_match_has_not_run_still_says_matching(client, alice):
    await _importing(alice, NOT_YET, status="done")
    await login(client, alice)
    card = await _card(client)
    assert 'data-state="matching"' in card and "every 2s" in card and "data-matched" not in card
    await rematch(alice.workspace.id, f.ACCOUNT)
    card = await _card(client)
    assert 'data-state="final"' in card and "We found 4 invoices, matched 3 to clients</h2>" in card
    assert "every" not in card, "a final card is not polled"


async def test_a_customer_a_webhook_adds_after_the_sync_leaves_the_figures_final(client, alice):
    await _importing(alice, NOT_YET, status="done")
    await rematch(alice.workspace.id, f.ACCOUNT)
    later = await f.customer(alice.workspace.id, email="new@acme.com")
    await StripeCustomer.update({StripeCustomer.synced_at: utcnow() + timedelta(minutes=1)}).where(
        StripeCustomer.id == later.id
    )
    await login(client, alice)
    assert 'data-state="final"' in await _card(client)


async def test_a_first_import_that_stopped_before_matching_says_so_and_is_not_polled(client, alice):
    await _importing(alice, NOT_YET, status="failed")
    await login(client, alice)
    card = await _card(client)
    assert 'data-state="stopped"' in card and "We found 4 invoices so far" in card and "data-matched" not in card
    assert "matching finishes when it resumes" in card and "every" not in card


async def test_a_relist_of_an_account_imported_before_keeps_its_matched_figures(client, alice):
    await _synced(alice)
    now = utcnow()
    await SyncRun(
        workspace=alice.workspace.id,
        account_id=f.ACCOUNT,
        kind="catchup",
        status="running",
        progress=NOT_YET,
        created_at=now,
        started_at=now,
    ).save()
    await login(client, alice)
    card = await _card(client)
    assert 'data-state="importing"' in card and "We found 4 invoices, matched 3 to clients so far" in _words(card)
    assert "Still syncing" in card and "every 5s" in card
