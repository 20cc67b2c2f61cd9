"""One live Stripe link per workspace holds even when two OAuth callbacks complete at the same moment, and the
link the losing callback made at Stripe is undone there."""

import asyncio
from datetime import datetime

import pytest
from litestar.testing import TestClient

from app.core.timeutil import utcnow
from app.integrations.services import ALREADY_CONNECTED_MESSAGE, ConnectRaceLost, complete_connect
from app.integrations.tables import StripeConnection
from app.main import create_app
from app.workspaces.services import Actor, set_plan
from tasks import huey
from tests.conftest import login
from tests.integration.conftest import CALLBACK, consent, start_connect
from tests.plugins.standin import NORTHWIND_DIGITAL, NORTHWIND_LABS


def _linked(standin) -> dict[str, bool]:
    return {a["id"]: a["linked"] for a in standin.accounts()}


async def _two_consents(client, alice) -> list[dict]:
    alice.workspace = await set_plan(alice.workspace.id, "agency")
    await login(client, alice)
    return [consent(await start_connect(client), account) for account in (NORTHWIND_DIGITAL, NORTHWIND_LABS)]


async def test_two_simultaneous_callbacks_leave_one_connection_and_unlink_the_loser_at_stripe(
    client, alice, stripe_standin
):
    backs = await _two_consents(client, alice)
    actor = Actor(user=alice.user, workspace=alice.workspace, role=alice.role)
    # Slow answers keep both code exchanges in flight together, so both pass the "already connected?" check.
    stripe_standin.set_faults(latency_ms=150)
    results = await asyncio.gather(
        *(complete_connect(actor, b["state"], b["code"]) for b in backs), return_exceptions=True
    )
    stripe_standin.clear_faults()
    failures = [r for r in results if isinstance(r, Exception)]
    assert len(failures) == 1 and isinstance(failures[0], ConnectRaceLost), results
    winner = await StripeConnection.objects().where(StripeConnection.status == "connected").first()
    loser = ({NORTHWIND_DIGITAL, NORTHWIND_LABS} - {winner.stripe_account_id}).pop()
    assert failures[0].message == ALREADY_CONNECTED_MESSAGE.format(account=winner.stripe_account_id)
    assert failures[0].pending_connection_id is None, "Stripe confirmed the unlink at once"
    assert await StripeConnection.count().where(StripeConnection.status == "connected") == 1

    exchanges = [r["status"] for r in stripe_standin.requests() if r["path"] == "/oauth/token"]
    assert exchanges == [200, 200], "both codes were exchanged: Stripe linked both accounts"
    linked = _linked(stripe_standin)
    assert linked[winner.stripe_account_id] and not linked[loser]
    assert next(e["type"] for e in stripe_standin.objects(loser, "events")) == "account.application.deauthorized"
    page = await client.get("/dashboard/integrations")
    assert f'data-testid="stripe-account-id">{winner.stripe_account_id}<' in page.text


async def test_the_losing_callback_tells_the_owner_and_retries_the_unlink_until_stripe_confirms(
    client, alice, stripe_standin
):
    backs = await _two_consents(client, alice)
    huey.storage.flush_schedule()
    stripe_standin.set_faults(latency_ms=150, fail_path="/oauth/deauthorize", fail_next=1000, fail_status=500)

    def callback(back: dict):
        # The async test client serves one request at a time: two browsers are two clients on two threads, each
        # with its own app instance (one Litestar app's lifespan can't be run by two clients at once).
        with TestClient(app=create_app(), base_url=str(client.base_url), cookies=client.cookies) as browser:
            return browser.get(CALLBACK, params=back, follow_redirects=False)

    responses = await asyncio.gather(*(asyncio.to_thread(callback, back) for back in backs))
    assert sorted(r.status_code for r in responses) == [303, 409], [r.text[:300] for r in responses]
    winner = await StripeConnection.objects().where(StripeConnection.status == "connected").first()
    loser = ({NORTHWIND_DIGITAL, NORTHWIND_LABS} - {winner.stripe_account_id}).pop()
    lost = next(r for r in responses if r.status_code == 409)
    assert ALREADY_CONNECTED_MESSAGE.format(account=winner.stripe_account_id) in lost.text
    assert [r["status"] for r in stripe_standin.requests() if r["path"] == "/oauth/token"] == [200, 200]
    assert _linked(stripe_standin)[loser], "Stripe refused the unlink for now"

    stripe_standin.clear_faults()
    retries = [t for t in huey.read_schedule(datetime.max) if type(t).__name__ == "confirm_disconnect"]
    assert len(retries) == 1
    huey.execute(retries[0], timestamp=retries[0].eta)
    linked = _linked(stripe_standin)
    assert linked[winner.stripe_account_id] and not linked[loser]
    assert await StripeConnection.count().where(StripeConnection.status == "connected") == 1
    page = await client.get("/dashboard/integrations")
    assert 'data-state="connected"' in page.text and f">{winner.stripe_account_id}<" in page.text


async def test_the_database_refuses_a_second_live_link_for_a_workspace_or_an_account(alice, charlie):
    def live(workspace_id: int, account: str) -> StripeConnection:
        return StripeConnection(workspace=workspace_id, stripe_account_id=account, connected_at=utcnow())

    await live(alice.workspace.id, NORTHWIND_DIGITAL).save()
    with pytest.raises(Exception):  # noqa: B017 (each engine raises its own IntegrityError class)
        await live(alice.workspace.id, NORTHWIND_LABS).save()
    with pytest.raises(Exception):  # noqa: B017 (each engine raises its own IntegrityError class)
        await live(charlie.workspace.id, NORTHWIND_DIGITAL).save()
    assert await StripeConnection.count() == 1
