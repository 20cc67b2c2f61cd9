"""The client's confirmation of a recharge their bank wants authenticated: reached by the emailed link, no log-in.

The link's token names the recharge and its client (`recharge_links`). Confirming sends the client through Stripe's
authentication and back; the return credits only what it refetches from Stripe, never the query string it came
back with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.client_billing.branding import brand_of
from app.clients.tables import Client
from app.core.errors import NotFound
from app.credits import recharge_charge
from app.credits.recharge_links import read_token, return_url


@dataclass(frozen=True)
class Pending:
    """What the page shows: the recharge, and the agency (the only brand on the page) and client names."""

    recharge: dict[str, Any]
    agency: str
    client: str


async def find(token: str) -> Pending:
    """The recharge a link names.

    Raises:
        BadLink: altered or expired link.
        NotFound: the recharge or its client is gone.
    """
    recharge_id, client_id = read_token(token)
    row = await recharge_charge.fetch(recharge_id)
    if row is None or row["client"] != client_id:
        raise NotFound("This payment no longer exists.")
    client = await Client.select(Client.name).where(Client.id == client_id).first()
    if client is None:
        raise NotFound("This payment no longer exists.")
    # The agency's name as its clients know it from their billing page (the branding, else the workspace's name).
    return Pending(row, (await brand_of(row["workspace"])).display_name, client["name"])


async def start(token: str) -> tuple[Pending, recharge_charge.Confirmation]:
    """Confirm the payment with the client present: a redirect to the bank's page, or how it ended."""
    pending = await find(token)
    return pending, await recharge_charge.confirm_on_session(pending.recharge, return_url(token))


async def returned(token: str) -> Pending:
    """Back from the bank: ask Stripe how the payment stands, credit it once if it succeeded."""
    pending = await find(token)
    await recharge_charge.refresh(pending.recharge)
    return await find(token)
