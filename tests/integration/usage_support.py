"""Support for the usage API's tests: an Agency workspace's token, a funded client, and a usage call."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from app.api import tokens
from app.credits import ledger
from app.credits.tables import CreditEntry, EntryKind
from app.workspaces.services import set_plan
from tests import factories
from tests.conftest import Persona

USAGE = "/api/v1/usage"


def bearer(secret: str, key: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {secret}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return headers


async def on_agency(persona: Persona) -> Persona:
    """The persona's workspace moved to the Agency plan, which has Auto Billing."""
    persona.workspace = await set_plan(persona.workspace.id, "agency")
    return persona


async def token_for(persona: Persona, name: str = "Metering") -> str:
    return (await tokens.create_token(persona.actor, name)).secret


async def funded_client(workspace_id: int, credits: int, name: str = "Acme Rockets") -> int:
    """A client of the workspace holding `credits` from one purchase."""
    client = await factories.client(workspace_id, name)
    if credits:
        await ledger.append(workspace_id, client.id, EntryKind.purchase, credits, dedupe_key=f"pi:test_{client.id}")
    return client.id


@asynccontextmanager
async def concurrent_client(app) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose requests really run at once, on this test's event loop.

    Litestar's AsyncTestClient runs each request to its end on a portal before it returns, so asyncio.gather over it
    sends one request after another: no race could show.
    """
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver.local") as http:
        yield http


async def spend(http, secret: str, client_id: int, credits: int, key: str | None, description: str = "API calls"):
    body = {"client": client_id, "credits": credits, "description": description}
    return await http.post(USAGE, json=body, headers=bearer(secret, key))


async def usage_entries(workspace_id: int) -> list[dict]:
    return await CreditEntry.select().where(
        (CreditEntry.workspace == workspace_id) & (CreditEntry.kind == EntryKind.usage.value)
    )
