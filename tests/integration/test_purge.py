"""Settings → Data → Purge: owner only, typed confirmation, deletes every pulled row of that workspace and no other,
and nothing comes back (catch-up, webhooks, a backfill under way) until the owner clicks Sync again."""

from __future__ import annotations

import pytest
from piccolo.utils.sync import run_sync

from app.core.timeutil import utcnow
from app.integrations import webhooks
from app.integrations.tables import StripeConnection, StripeEvent
from app.stripe_data import catchup, partials
from app.stripe_data import purge as purging
from app.stripe_data.matching import rematch
from app.stripe_data.purge import PULLED_TABLES
from app.stripe_data.tables import StripeInvoiceLine, SyncCheckpoint, SyncRun
from app.workspaces.services import set_plan
from tasks.stripe_events import retry_unprocessed_events
from tasks.sync import catch_up_all
from tests import factories as f
from tests.conftest import login, post_form
from tests.integration.conftest import signed
from tests.integration.sync_support import TABLES, backfill, db_counts, line_count, link, standin_counts
from tests.plugins.standin import NORTHWIND_DIGITAL

DATA = "/dashboard/settings/data"
NOTHING = dict.fromkeys(TABLES, 0)


async def _fill(persona, account=f.ACCOUNT):
    ws = persona.workspace.id
    acme = await f.client(ws, "Acme", emails=("ops@acme.com",))
    cust = await f.customer(ws, email="ops@acme.com", account_id=account)
    inv = await f.invoice(cust, status="open")
    await StripeInvoiceLine.insert(
        StripeInvoiceLine(workspace=ws, account_id=account, invoice_id=inv.stripe_id, stripe_id="il_1")
    )
    await f.refund(await f.charge(cust), 100)
    await f.subscription(cust)
    await f.finished_sync(ws, account)
    await SyncCheckpoint.insert(SyncCheckpoint(workspace=ws, account_id=account))
    await partials.record(ws, account, "invoice", inv.stripe_id, "lines", partials.Refusal(400, "", "No such line"))
    await rematch(ws, account)
    return acme


async def _counts(workspace_id: int) -> dict[str, int]:
    return {label: await table.count().where(table.workspace == workspace_id) for label, table in PULLED_TABLES.items()}


async def test_the_data_page_shows_an_owner_what_is_stored_and_the_purge_form(client, alice):
    await _fill(alice)
    await login(client, alice)
    page = await client.get(DATA)
    assert page.status_code == 200 and 'data-testid="count-invoices">1<' in page.text
    assert 'data-testid="settings-tabs"' in page.text and "Type <strong>Alice Agency</strong>" in page.text
    assert 'data-testid="purge-form"' in page.text and 'data-testid="purge-owner-only"' not in page.text


async def test_a_teammate_sees_what_is_stored_without_the_purge_form_and_a_crafted_purge_gets_403(client, alice, bob):
    await _fill(alice)
    await login(client, bob)
    page = await client.get(DATA)
    assert page.status_code == 200 and 'data-testid="count-invoices">1<' in page.text
    assert 'data-testid="settings-data-tab"' in page.text
    assert 'data-testid="purge-form"' not in page.text and 'action="/dashboard/settings/data/purge"' not in page.text
    assert 'data-testid="purge-owner-only">Only an owner of Alice Agency can purge this data.<' in page.text
    assert (await post_form(client, f"{DATA}/purge", {"confirm": "Alice Agency"})).status_code == 403
    assert all((await _counts(alice.workspace.id)).values())


async def test_a_wrong_confirmation_deletes_nothing(client, alice):
    await _fill(alice)
    await login(client, alice)
    response = await post_form(client, f"{DATA}/purge", {"confirm": "alice agency"}, htmx=True)
    assert response.status_code == 422 and "Type the workspace name exactly" in response.text
    assert "<html" not in response.text
    assert all((await _counts(alice.workspace.id)).values())


async def test_purge_deletes_every_pulled_row_of_this_workspace_and_nothing_of_another(client, alice, charlie):
    acme = await _fill(alice)
    await _fill(charlie, account="acct_charlie")
    before_charlie = await _counts(charlie.workspace.id)
    await login(client, alice)
    response = await post_form(client, f"{DATA}/purge", {"confirm": "Alice Agency"}, follow_redirects=False)
    assert response.status_code == 303
    assert not any((await _counts(alice.workspace.id)).values())
    assert await _counts(charlie.workspace.id) == before_charlie
    from app.clients.tables import Client

    assert await Client.exists().where(Client.id == acme.id)  # clients are the agency's own data: kept


async def test_purge_works_while_connected_with_htmx_and_leaves_a_sync_again_button(client, alice):
    await _fill(alice)
    await StripeConnection.insert(
        StripeConnection(
            workspace=alice.workspace.id,
            stripe_account_id=f.ACCOUNT,
            account_name="Alice Stripe",
            connected_at=utcnow(),
        )
    )
    await login(client, alice)
    response = await post_form(client, f"{DATA}/purge", {"confirm": " Alice Agency "}, htmx=True)
    assert response.status_code == 200 and 'data-testid="purge-done"' in response.text and "<html" not in response.text
    assert 'data-testid="sync-again"' in response.text and 'data-testid="nothing-stored"' in response.text
    assert 'data-testid="sync-paused"' in response.text and "Alice purged the data pulled from Stripe" in response.text
    assert not any((await _counts(alice.workspace.id)).values())
    assert not await SyncCheckpoint.exists().where(SyncCheckpoint.workspace == alice.workspace.id)
    assert await StripeConnection.exists().where(StripeConnection.workspace == alice.workspace.id)


async def test_purge_works_after_disconnecting(client, alice):
    await _fill(alice)
    await StripeConnection.insert(
        StripeConnection(
            workspace=alice.workspace.id, stripe_account_id=f.ACCOUNT, status="disconnected", connected_at=utcnow()
        )
    )
    await login(client, alice)
    page = await client.get(DATA)
    assert "Stripe isn't connected" in page.text
    await post_form(client, f"{DATA}/purge", {"confirm": "Alice Agency"})
    assert not any((await _counts(alice.workspace.id)).values())


async def test_a_purge_pauses_syncing_for_its_own_workspace_only(client, alice, charlie):
    for persona, account in ((alice, f.ACCOUNT), (charlie, "acct_charlie")):
        await StripeConnection.insert(
            StripeConnection(workspace=persona.workspace.id, stripe_account_id=account, connected_at=utcnow())
        )
    await login(client, alice)
    await post_form(client, f"{DATA}/purge", {"confirm": "Alice Agency"})
    assert await catchup.workspaces_to_catch_up() == [charlie.workspace.id]
    charlies = await StripeConnection.objects().where(StripeConnection.workspace == charlie.workspace.id).first()
    assert charlies.sync_paused_at is None


@pytest.fixture(name="synced")
async def fx_synced(client, alice, stripe_standin) -> int:
    """Alice (Agency plan, logged in) with Northwind Digital connected and fully synced from the stand-in."""
    alice.workspace = await set_plan(alice.workspace.id, "agency")
    await link(stripe_standin, alice.workspace.id, NORTHWIND_DIGITAL)
    assert (await backfill(alice.workspace.id, NORTHWIND_DIGITAL)).status == "done"
    assert await db_counts(alice.workspace.id) == standin_counts(stripe_standin, NORTHWIND_DIGITAL)
    await login(client, alice)
    return alice.workspace.id


async def _purge(client) -> None:
    response = await post_form(client, f"{DATA}/purge", {"confirm": "Alice Agency"}, follow_redirects=False)
    assert response.status_code == 303


async def test_after_a_purge_the_periodic_catch_up_pulls_nothing_back(client, synced, stripe_standin):
    await _purge(client)
    stripe_standin.clear_requests()
    catch_up_all.call_local()  # the periodic task's body; huey runs the per-workspace tasks inline in tests
    assert await db_counts(synced) == NOTHING and await line_count(synced) == 0
    assert not await SyncRun.exists().where(SyncRun.workspace == synced)
    assert stripe_standin.requests(account=NORTHWIND_DIGITAL) == [], "nothing was even asked of Stripe"


async def test_a_webhook_after_a_purge_is_acknowledged_and_neither_stored_nor_applied(client, synced, stripe_standin):
    await _purge(client)
    customer = stripe_standin.objects(NORTHWIND_DIGITAL, "customers", limit=1)[0]
    invoices = stripe_standin.objects(NORTHWIND_DIGITAL, "invoices", limit=1000)
    invoice = next(i for i in invoices if i["status"] == "open")
    sent = [
        stripe_standin.action(
            "update_customer_email", account=NORTHWIND_DIGITAL, customer=customer["id"], email="billing@renamed.example"
        )["event"],
        stripe_standin.action("pay_invoice", account=NORTHWIND_DIGITAL, invoice=invoice["id"])["event"],
    ]
    for event in sent:
        payload, headers = signed(event)
        response = await client.post("/billing/stripe/webhook", content=payload, headers=headers)
        assert response.status_code == 200 and response.json()["received"] is True
    assert not await StripeEvent.exists().where(StripeEvent.event_id.is_in([e["id"] for e in sent]))
    retry_unprocessed_events.call_local()
    assert await db_counts(synced) == NOTHING and await line_count(synced) == 0


async def test_an_event_stored_before_the_purge_is_not_applied_by_the_sweeper_after_it(client, synced, stripe_standin):
    customer = stripe_standin.objects(NORTHWIND_DIGITAL, "customers", limit=1)[0]
    event = stripe_standin.action(
        "update_customer_email", account=NORTHWIND_DIGITAL, customer=customer["id"], email="billing@renamed.example"
    )["event"]
    assert await webhooks.store(event) is not None  # stored; its processing task never ran (a crash, a lost task)
    await _purge(client)
    retry_unprocessed_events.call_local()
    assert await db_counts(synced) == NOTHING
    assert not await StripeEvent.exists().where(StripeEvent.event_id == event["id"])


async def test_a_backfill_under_way_when_the_purge_lands_stops_without_writing_more(alice, stripe_standin):
    alice.workspace = await set_plan(alice.workspace.id, "agency")
    ws = alice.workspace.id
    await link(stripe_standin, ws, NORTHWIND_DIGITAL)
    purged = []

    def purge_after_the_second_invoice_page(stream: str, pages: int) -> None:
        if stream == "invoices" and pages == 2:
            # The owner purges from the web process while this worker is between pages.
            purged.append(run_sync(purging.purge(alice.actor, "Alice Agency")))

    ended = await backfill(ws, NORTHWIND_DIGITAL, after_page=purge_after_the_second_invoice_page)
    assert purged and purged[0].counts["invoices"] > 0, "the purge took what the first pages wrote"
    assert ended is None, "the run's row went with the purge"
    assert await db_counts(ws) == NOTHING and await line_count(ws) == 0


async def test_sync_again_lifts_the_pause_and_the_data_comes_back(client, alice, bob, synced, stripe_standin):
    await _purge(client)
    page = await client.get("/dashboard/integrations")
    assert 'data-testid="sync-paused"' in page.text and "Sync again" in page.text
    assert 'data-testid="sync-paused"' in (await client.get(DATA)).text
    await login(client, bob)
    assert (await post_form(client, f"{DATA}/sync")).status_code == 403
    assert "an owner clicks" in (await client.get("/dashboard/integrations")).text
    assert (await StripeConnection.objects().first()).sync_paused_at is not None

    await login(client, alice)
    response = await post_form(client, f"{DATA}/sync", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/dashboard/integrations"
    # huey runs the backfill inline in tests
    assert await db_counts(synced) == standin_counts(stripe_standin, NORTHWIND_DIGITAL)
    assert (await StripeConnection.objects().first()).sync_paused_at is None
    assert await catchup.workspaces_to_catch_up() == [synced]
    assert 'data-testid="sync-paused"' not in (await client.get("/dashboard/integrations")).text
