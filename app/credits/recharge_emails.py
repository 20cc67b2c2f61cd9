"""The auto-recharge's emails: a decline (to the client and to the agency's owners), a bank asking the client to
confirm, and the low-balance warning.

What goes to a client is white-label: the agency's name is the sender's name and the only name in it (no
ClientPulse), since the client buys from the agency. Each function records the emails in the outbox and returns
them; the caller hands each to `recharge_queue.send_later` once its own transaction has committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from app.accounts.tables import User
from app.client_billing.branding import brand_of
from app.clients.tables import Client, ClientEmail
from app.core import mail
from app.credits.recharge_links import CONFIRM_LINK_LIFETIME, confirm_url, make_token
from app.credits.recharge_queue import send_later
from app.workspaces.tables import Membership, Role


@dataclass(frozen=True)
class Recorded:
    """An email in the outbox, and the workspace whose name it goes out under (None: ours)."""

    outbox_id: int
    as_workspace: int | None


async def _names(workspace_id: int, client_id: int) -> tuple[str, str]:
    # The agency's name as its clients know it: the billing page's branding, else the workspace's name.
    brand = await brand_of(workspace_id)
    client = await Client.select(Client.name).where(Client.id == client_id).first()
    return brand.display_name, (client or {}).get("name", "")


async def client_addresses(workspace_id: int, client_id: int) -> list[str]:
    return await (
        ClientEmail.select(ClientEmail.email)
        .where((ClientEmail.workspace == workspace_id) & (ClientEmail.client == client_id))
        .order_by(ClientEmail.id)
        .output(as_list=True)
    )


async def owner_addresses(workspace_id: int) -> list[str]:
    user_ids = await (
        Membership.select(Membership.user)
        .where((Membership.workspace == workspace_id) & (Membership.role == Role.owner.value))
        .output(as_list=True)
    )
    if not user_ids:
        return []
    return await User.select(User.email).where(User.id.is_in(user_ids)).order_by(User.id).output(as_list=True)


async def _record(kind: str, to: list[str], workspace_id: int, white_label: bool, **context) -> list[Recorded]:
    recorded = []
    for address in to:
        row = await mail.record_email(mail.compose(kind, address, workspace_id=workspace_id, **context))
        recorded.append(Recorded(row.id, workspace_id if white_label else None))
    return recorded


async def declined(recharge: dict, reason: str, balance: int, cooldown: timedelta) -> list[Recorded]:
    """Tell the client (white-label) and the agency's owners that a recharge was declined and is paused.

    Args:
        recharge: the Recharge row.
        reason: the bank's answer, for people.
        balance: the client's credits now.
        cooldown: how long auto-recharge waits before it may try again.
    """
    workspace_id, client_id = recharge["workspace"], recharge["client"]
    agency, client = await _names(workspace_id, client_id)
    context = {
        "agency": agency,
        "client": client,
        "amount": recharge["amount_minor"],
        "currency": recharge["currency"],
        "credits": recharge["credits"],
        "card": recharge["card_label"] or "your saved card",
        "reason": reason,
        "balance": balance,
        "cooldown": cooldown,
    }
    to_client = await _record(
        "recharge_declined_client", await client_addresses(workspace_id, client_id), workspace_id, True, **context
    )
    to_agency = await _record(
        "recharge_declined_agency", await owner_addresses(workspace_id), workspace_id, False, **context
    )
    return to_client + to_agency


async def confirm(recharge: dict) -> list[Recorded]:
    """Send the client (white-label) a link to authenticate the recharge their bank asked about."""
    workspace_id, client_id = recharge["workspace"], recharge["client"]
    agency, client = await _names(workspace_id, client_id)
    link = confirm_url(make_token(recharge["id"], client_id))
    return await _record(
        "recharge_confirm",
        await client_addresses(workspace_id, client_id),
        workspace_id,
        True,
        agency=agency,
        client=client,
        amount=recharge["amount_minor"],
        currency=recharge["currency"],
        credits=recharge["credits"],
        card=recharge["card_label"] or "your saved card",
        link=link,
        lifetime=CONFIRM_LINK_LIFETIME,
    )


async def low_balance(workspace_id: int, client_id: int, balance: int, threshold: int, paused: str) -> list[Recorded]:
    """Warn the client (white-label) that their balance fell below their threshold while no top-up will come."""
    agency, client = await _names(workspace_id, client_id)
    return await _record(
        "low_balance",
        await client_addresses(workspace_id, client_id),
        workspace_id,
        True,
        agency=agency,
        client=client,
        balance=balance,
        threshold=threshold,
        paused=paused,
    )


def send(recorded: list[Recorded]) -> None:
    """Enqueue the deliveries (after the caller's commit)."""
    for email in recorded:
        send_later(email.outbox_id, email.as_workspace)


async def deliver(outbox_id: int, as_workspace: int | None) -> bool:
    """Send one stored email; with `as_workspace`, under the agency's name as its clients know it (its branding)."""
    headers: tuple[tuple[str, str], ...] = ()
    if as_workspace is not None and (name := (await brand_of(as_workspace)).display_name):
        headers = (mail.sender_named(name),)
    return await mail.deliver(outbox_id, headers)
