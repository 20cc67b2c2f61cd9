"""Clients of an agency: add, edit, archive, search and import."""

from __future__ import annotations

from app.clients.tables import Client, ClientStatus
from app.workspaces.services import Actor


async def count_active_clients(actor: Actor) -> int:
    return await Client.count().where(
        (Client.workspace == actor.workspace_id) & (Client.status == ClientStatus.active.value)
    )
