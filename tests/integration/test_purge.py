"""Settings → Data → Purge: owner only, typed confirmation, deletes every pulled row of that workspace and no other."""

from __future__ import annotations

from app.integrations.tables import StripeConnection
from app.core.timeutil import utcnow
from app.stripe_data.matching import rematch
from app.stripe_data.purge import PULLED_TABLES
from app.stripe_data.tables import StripeInvoiceLine, SyncCheckpoint
from tests import factories as f
from tests.conftest import login, post_form

DATA = "/dashboard/settings/data"


async def _fill(persona, account=f.ACCOUNT):
    ws = persona.workspace.id
    acme = await f.client(ws, "Acme", emails=("ops@acme.com",))
    cust = await f.customer(ws, email="ops@acme.com", account_id=account)
    inv = await f.invoice(cust, status="open")
    await StripeInvoiceLine.insert(StripeInvoiceLine(workspace=ws, account_id=account, invoice_id=inv.stripe_id,
                                                     stripe_id="il_1"))
    await f.refund(await f.charge(cust), 100)
    await f.subscription(cust)
    await f.finished_sync(ws, account)
    await SyncCheckpoint.insert(SyncCheckpoint(workspace=ws, account_id=account))
    await rematch(ws, account)
    return acme


async def _counts(workspace_id: int) -> dict[str, int]:
    return {label: await table.count().where(table.workspace == workspace_id) for label, table in PULLED_TABLES.items()}


async def test_the_data_page_shows_what_is_stored_for_owners_only(client, alice, bob):
    await _fill(alice)
    await login(client, alice)
    page = await client.get(DATA)
    assert page.status_code == 200 and 'data-testid="count-invoices">1<' in page.text
    assert 'data-testid="settings-tabs"' in page.text and "Type <strong>Alice Agency</strong>" in page.text
    await login(client, bob)
    assert (await client.get(DATA)).status_code == 403
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
    await StripeConnection.insert(StripeConnection(workspace=alice.workspace.id, stripe_account_id=f.ACCOUNT,
                                                   account_name="Alice Stripe", connected_at=utcnow()))
    await login(client, alice)
    response = await post_form(client, f"{DATA}/purge", {"confirm": " Alice Agency "}, htmx=True)
    assert response.status_code == 200 and 'data-testid="purge-done"' in response.text and "<html" not in response.text
    assert 'data-testid="sync-again"' in response.text and 'data-testid="nothing-stored"' in response.text
    assert not any((await _counts(alice.workspace.id)).values())
    assert not await SyncCheckpoint.exists().where(SyncCheckpoint.workspace == alice.workspace.id)
    assert await StripeConnection.exists().where(StripeConnection.workspace == alice.workspace.id)


async def test_purge_works_after_disconnecting(client, alice):
    await _fill(alice)
    await StripeConnection.insert(StripeConnection(workspace=alice.workspace.id, stripe_account_id=f.ACCOUNT,
                                                   status="disconnected", connected_at=utcnow()))
    await login(client, alice)
    page = await client.get(DATA)
    assert "Stripe isn't connected" in page.text
    await post_form(client, f"{DATA}/purge", {"confirm": "Alice Agency"})
    assert not any((await _counts(alice.workspace.id)).values())


async def test_sync_again_queues_a_fresh_backfill_only_when_the_owner_asks(client, alice, bob, monkeypatch):
    import tasks.sync
    from app.stripe_data.tables import SyncRun

    queued: list[int] = []
    monkeypatch.setattr(tasks.sync, "run_backfill", queued.append)
    await StripeConnection.insert(StripeConnection(workspace=alice.workspace.id, stripe_account_id=f.ACCOUNT,
                                                   account_name="Alice Stripe", connected_at=utcnow()))
    await login(client, alice)
    await post_form(client, f"{DATA}/purge", {"confirm": "Alice Agency"})
    assert queued == []  # purging never re-syncs by itself
    response = await post_form(client, f"{DATA}/sync", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/dashboard/integrations"
    run = await SyncRun.objects().where(SyncRun.workspace == alice.workspace.id).first()
    assert queued == [run.id] and run.kind == "backfill"
    await login(client, bob)
    assert (await post_form(client, f"{DATA}/sync")).status_code == 403
