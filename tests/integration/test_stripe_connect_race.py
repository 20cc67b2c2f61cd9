"""One live Stripe link per workspace holds even when two OAuth callbacks complete at the same moment."""

import asyncio

import pytest

from app.core.errors import Conflict
from app.core.timeutil import utcnow
from app.integrations.services import complete_connect
from app.integrations.tables import StripeConnection
from app.workspaces.services import Actor, set_plan
from tests.conftest import login
from tests.integration.conftest import consent, start_connect
from tests.plugins.standin import NORTHWIND_DIGITAL, NORTHWIND_LABS


async def test_two_simultaneous_callbacks_leave_exactly_one_connection(client, alice, stripe_standin):
    alice.workspace = await set_plan(alice.workspace.id, "agency")
    await login(client, alice)
    backs = []
    for account in (NORTHWIND_DIGITAL, NORTHWIND_LABS):
        backs.append(consent(await start_connect(client), account))
    actor = Actor(user=alice.user, workspace=alice.workspace, role=alice.role)
    results = await asyncio.gather(*(complete_connect(actor, b["state"], b["code"]) for b in backs),
                                   return_exceptions=True)
    failures = [r for r in results if isinstance(r, Exception)]
    assert len(failures) == 1 and isinstance(failures[0], Conflict), results
    assert "already connected" in str(failures[0])
    assert await StripeConnection.count().where(StripeConnection.status == "connected") == 1


async def test_the_database_refuses_a_second_live_link_for_a_workspace_or_an_account(alice, charlie):
    def live(workspace_id: int, account: str) -> StripeConnection:
        return StripeConnection(workspace=workspace_id, stripe_account_id=account, connected_at=utcnow())

    await live(alice.workspace.id, NORTHWIND_DIGITAL).save()
    with pytest.raises(Exception):
        await live(alice.workspace.id, NORTHWIND_LABS).save()
    with pytest.raises(Exception):
        await live(charlie.workspace.id, NORTHWIND_DIGITAL).save()
    assert await StripeConnection.count() == 1
