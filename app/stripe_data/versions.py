"""The version token of a workspace's pulled Stripe data: changed by every writer, read by whoever caches figures.

`bump` runs inside the writer's transaction, as its first write after any lock the writer takes (the sync's
connection lock, see events.writing), so locks are always taken in one order: connection, version, data. A reader
that sees the new token also sees the data written with it; one that reads the token and then data committed
just after it caches new figures under the old token, and recomputes once it sees the new one: never stale.
"""

from __future__ import annotations

import secrets

from app.core.timeutil import utcnow
from app.stripe_data.tables import StripeDataVersion


async def bump(workspace_id: int) -> None:
    """Give the workspace's data a new version token (in the current transaction, if there is one)."""
    token = secrets.token_hex(16)
    await StripeDataVersion.insert(
        StripeDataVersion(workspace=workspace_id, token=token, changed_at=utcnow())
    ).on_conflict(
        target=StripeDataVersion.workspace,
        action="DO UPDATE",
        values=[StripeDataVersion.token, StripeDataVersion.changed_at],
    )


async def data_version(workspace_id: int) -> str:
    """The workspace's current token ("" before its first write)."""
    row = (
        await StripeDataVersion.select(StripeDataVersion.token)
        .where(StripeDataVersion.workspace == workspace_id)
        .first()
    )
    return row["token"] if row else ""
