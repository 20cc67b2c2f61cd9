"""Connecting, showing and disconnecting a workspace's Stripe account (Stripe Connect OAuth, read-only)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import anyio
import stripe

from app.core.errors import Conflict, DomainError, NotFound
from app.core.security import encrypt_secret, hash_token, new_token
from app.core.timeutil import utcnow
from app.integrations.disconnects import LOST_RACE_REASON, confirm_disconnect, mark_disconnected, release_lost_link
from app.integrations.stripe_client import platform_client, read_only_client
from app.integrations.tables import ConnectionStatus, OAuthState, StripeConnection
from app.workspaces import plans
from app.workspaces.plans import Feature
from app.workspaces.services import Actor

log = logging.getLogger(__name__)

STATE_LIFETIME = timedelta(minutes=15)
DENIED_MESSAGE = (
    "You didn't connect Stripe: the request was declined on Stripe's page. "
    "Nothing changed. Click Connect Stripe to try again."
)
BAD_STATE_MESSAGE = (
    "This Stripe connection link has expired or was already used. Nothing changed. Click Connect Stripe to start again."
)
EXCHANGE_FAILED_MESSAGE = (
    "Stripe didn't accept the connection (the authorization code was invalid or expired). "
    "Nothing changed. Click Connect Stripe to try again."
)
ALREADY_LINKED_MESSAGE = (
    "That Stripe account is already connected to another ClientPulse workspace. "
    "One Stripe account can serve one workspace: disconnect it there first, "
    "or pick another account in Stripe's account switcher."
)
ALREADY_CONNECTED_MESSAGE = (
    "This workspace is already connected to Stripe account {account}. Disconnect it first to connect a different one."
)
REVOKED_REASON = "Access was revoked from Stripe's dashboard. Reconnect to resume syncing."
SYNC_REVOKED_REASON = (
    "Stripe no longer lets ClientPulse read this account (access was revoked). Reconnect Stripe to resume syncing."
)
PURGE_PAUSE_REASON = "{who} purged the data pulled from Stripe."
RECONNECT_ADVICE = "Reconnect Stripe to fix it."
# The reasons this module writes that already tell the owner to reconnect; any other error reason gets the advice.
_REASONS_THAT_SAY_RECONNECT = frozenset({REVOKED_REASON, SYNC_REVOKED_REASON})


class ConnectRaceLost(Conflict):
    """Another Connect of this workspace finished first; the link this one made at Stripe is being undone.

    `pending_connection_id` names the unlink still waiting for Stripe (retry it), or is None when Stripe confirmed.
    """

    def __init__(self, message: str, pending_connection_id: int | None) -> None:
        super().__init__(message)
        self.pending_connection_id = pending_connection_id


class ConnectError(DomainError):
    """The OAuth round-trip failed; the message says what happened and what to do."""


class CardState(StrEnum):
    """What the Stripe card shows; a state that is also a connection's status keeps that status's value."""

    not_connected = "not_connected"
    connecting = "connecting"  # an OAuth state is out, waiting for Stripe's redirect
    connected = ConnectionStatus.connected.value
    disconnect_pending = ConnectionStatus.disconnect_pending.value
    disconnected = ConnectionStatus.disconnected.value
    error = ConnectionStatus.error.value

    @property
    def label(self) -> str:
        return _CARD_LABELS[self]

    @property
    def tone(self) -> str:
        """The status badge's colour: a pending disconnect looks like a disconnect (nothing syncs either way)."""
        return CardState.disconnected.value if self is CardState.disconnect_pending else self.value


_CARD_LABELS = {
    CardState.not_connected: "Not connected",
    CardState.connecting: "Connecting",
    CardState.connected: "Connected",
    CardState.disconnect_pending: "Disconnecting",
    CardState.disconnected: "Disconnected",
    CardState.error: "Error",
}


@dataclass(frozen=True)
class StripeCard:
    """What the Integrations page shows on the Stripe card."""

    state: CardState
    connection: StripeConnection | None
    last: StripeConnection | None

    @property
    def advice(self) -> str:
        """What to do about an error, unless its reason already says so ("" otherwise)."""
        if self.state is not CardState.error or self.last is None:
            return ""
        return "" if self.last.status_reason in _REASONS_THAT_SAY_RECONNECT else RECONNECT_ADVICE


async def current_connection(workspace_id: int) -> StripeConnection | None:
    return (
        await StripeConnection.objects()
        .where(
            (StripeConnection.workspace == workspace_id) & (StripeConnection.status == ConnectionStatus.connected.value)
        )
        .first()
    )


async def card(actor: Actor) -> StripeCard:
    connection = await current_connection(actor.workspace_id)
    if connection is not None:
        return StripeCard(CardState.connected, connection, connection)
    # A lost connect race leaves a row behind only to finish unlinking it; it was never this workspace's connection.
    last = (
        await StripeConnection.objects()
        .where(
            (StripeConnection.workspace == actor.workspace_id) & (StripeConnection.status_reason != LOST_RACE_REASON)
        )
        .order_by(StripeConnection.id, ascending=False)
        .first()
    )
    if last is not None and last.status == ConnectionStatus.disconnect_pending.value:
        return StripeCard(CardState.disconnect_pending, None, last)
    pending = await OAuthState.exists().where(
        (OAuthState.workspace == actor.workspace_id) & OAuthState.used_at.is_null() & (OAuthState.expires_at > utcnow())
    )
    if pending:
        return StripeCard(CardState.connecting, None, last)
    if last is not None:
        errored = last.status == ConnectionStatus.error.value
        return StripeCard(CardState.error if errored else CardState.disconnected, None, last)
    return StripeCard(CardState.not_connected, None, None)


async def start_connect(actor: Actor, redirect_uri: str) -> str:
    """Issue a single-use state and return Stripe's authorize URL.

    Raises:
        PermissionDenied / PlanRequired: not an owner, or not on the Agency plan.
        Conflict: the workspace is already connected.
    """
    plans.require(actor.workspace, Feature.stripe_connect)
    actor.require_owner("connect Stripe")
    existing = await current_connection(actor.workspace_id)
    if existing is not None:
        raise Conflict(ALREADY_CONNECTED_MESSAGE.format(account=existing.stripe_account_id))
    token, token_hash = new_token()
    now = utcnow()
    await OAuthState.insert(
        OAuthState(
            token_hash=token_hash,
            workspace=actor.workspace_id,
            user=actor.user.id,
            created_at=now,
            expires_at=now + STATE_LIFETIME,
        )
    )
    return platform_client().oauth.authorize_url(
        params={"response_type": "code", "scope": "read_write", "redirect_uri": redirect_uri, "state": token}
    )


async def _claim_state(actor: Actor, state: str) -> None:
    """Use up the state once; a missing, expired, reused or foreign state is refused."""
    if not state:
        raise ConnectError(BAD_STATE_MESSAGE)
    claimed = (
        await OAuthState.update({OAuthState.used_at: utcnow()})
        .where(
            (OAuthState.token_hash == hash_token(state))
            & OAuthState.used_at.is_null()
            & (OAuthState.expires_at > utcnow())
            & (OAuthState.workspace == actor.workspace_id)
            & (OAuthState.user == actor.user.id)
        )
        .returning(OAuthState.id)
    )
    if not claimed:
        raise ConnectError(BAD_STATE_MESSAGE)


async def complete_connect(actor: Actor, state: str, code: str, error: str = "") -> StripeConnection:
    """Finish the OAuth round-trip: check state, exchange the code, store the link.

    Raises:
        ConnectError: denied consent, bad state, or a failed exchange (nothing stored).
        Conflict: already connected here, or the account is linked to another workspace.
    """
    plans.require(actor.workspace, Feature.stripe_connect)
    actor.require_owner("connect Stripe")
    await _claim_state(actor, state)
    if error:
        raise ConnectError(DENIED_MESSAGE if error == "access_denied" else EXCHANGE_FAILED_MESSAGE)
    if not code:
        raise ConnectError(EXCHANGE_FAILED_MESSAGE)
    existing = await current_connection(actor.workspace_id)
    if existing is not None:
        raise Conflict(ALREADY_CONNECTED_MESSAGE.format(account=existing.stripe_account_id))
    try:
        token = (
            await anyio.to_thread.run_sync(
                lambda: platform_client().oauth.token(params={"grant_type": "authorization_code", "code": code})
            )
        ).to_dict()
    except stripe.StripeError as exc:
        log.warning("stripe oauth token exchange failed: %s", type(exc).__name__)
        raise ConnectError(EXCHANGE_FAILED_MESSAGE) from None
    account_id = token["stripe_user_id"]
    if await StripeConnection.exists().where(
        (StripeConnection.stripe_account_id == account_id)
        & (StripeConnection.status == ConnectionStatus.connected.value)
        & (StripeConnection.workspace != actor.workspace_id)
    ):
        raise Conflict(ALREADY_LINKED_MESSAGE)
    account_name = await _account_name(account_id)
    connection = StripeConnection(
        workspace=actor.workspace_id,
        stripe_account_id=account_id,
        account_name=account_name,
        livemode=bool(token.get("livemode")),
        scope=token.get("scope") or "read_write",
        access_token_enc=encrypt_secret(token.get("access_token") or ""),
        refresh_token_enc=encrypt_secret(token.get("refresh_token") or ""),
        status=ConnectionStatus.connected.value,
        connected_by=actor.user.id,
        connected_at=utcnow(),
    )
    try:
        await connection.save()
    except Exception:
        existing = await current_connection(actor.workspace_id)
        if existing is not None:
            # Our code exchange linked the account at Stripe all the same: undo that unless the winner uses it.
            pending = await release_lost_link(actor.workspace_id, actor.user.id, account_id, token)
            raise ConnectRaceLost(
                ALREADY_CONNECTED_MESSAGE.format(account=existing.stripe_account_id), pending
            ) from None
        if await StripeConnection.exists().where(
            (StripeConnection.stripe_account_id == account_id)
            & (StripeConnection.status == ConnectionStatus.connected.value)
        ):
            raise Conflict(ALREADY_LINKED_MESSAGE) from None
        raise
    # A disconnect of this account still waiting for Stripe must not unlink the link just made.
    for pending in await StripeConnection.select(StripeConnection.id).where(
        (StripeConnection.stripe_account_id == account_id)
        & (StripeConnection.status == ConnectionStatus.disconnect_pending.value)
    ):
        await confirm_disconnect(pending["id"])
    log.info("workspace %s connected stripe account %s", actor.workspace_id, account_id)
    return connection


async def _account_name(account_id: str) -> str:
    """The account's display name, read through the read-only client; the id if Stripe won't say."""
    try:
        account = await anyio.to_thread.run_sync(lambda: read_only_client(account_id).account())
    except stripe.StripeError:
        return account_id
    settings = account.get("settings") or {}
    profile = account.get("business_profile") or {}
    return (
        (settings.get("dashboard") or {}).get("display_name")
        or profile.get("name")
        or account.get("email")
        or account_id
    )


@dataclass(frozen=True)
class Disconnect:
    connection: StripeConnection
    confirmed: bool  # False: Stripe didn't confirm; the connection is disconnect_pending and must be retried


async def disconnect(actor: Actor) -> Disconnect:
    """Unlink the account at Stripe and here; everything already pulled is kept.

    The connection turns disconnect_pending before Stripe is asked, so nothing syncs from then on and a
    process that dies mid-call still leaves the sweeper something to finish.

    Raises:
        NotFound: nothing is connected.
    """
    actor.require_owner("disconnect Stripe")
    connection = await current_connection(actor.workspace_id)
    if connection is None:
        raise NotFound("Stripe isn't connected to this workspace.")
    who = actor.user.name or actor.user.email
    await StripeConnection.update(
        {
            StripeConnection.status: ConnectionStatus.disconnect_pending.value,
            StripeConnection.status_reason: f"Disconnected by {who}. Data already pulled is kept.",
        }
    ).where(StripeConnection.id == connection.id)
    return Disconnect(connection, await confirm_disconnect(connection.id))


async def handle_deauthorized(account_id: str, revoked_at: datetime | None = None) -> int:
    """The agency revoked ClientPulse from Stripe's side: disconnect every live link to that account.

    A running sync often hits the revoked token before this event arrives and flags the connection
    as an error; Stripe's event is the definitive word on why, so it settles those too.
    Our own Disconnect also makes Stripe send this event, and it may arrive late (delivery and task
    retries): a connection made after `revoked_at` was authorized afterwards and is left alone.

    Args:
        account_id: the connected account Stripe says we lost.
        revoked_at: when Stripe created the event; None disconnects regardless.

    Returns:
        How many connections were marked disconnected (0 when we already knew).
    """
    where = (StripeConnection.stripe_account_id == account_id) & StripeConnection.status.is_in(
        [ConnectionStatus.connected.value, ConnectionStatus.error.value, ConnectionStatus.disconnect_pending.value]
    )
    if revoked_at is not None:
        # Stripe's times are whole seconds: a connection made within that second is not newer than the event.
        where &= StripeConnection.connected_at < revoked_at + timedelta(seconds=1)
    rows = await StripeConnection.select(
        StripeConnection.id, StripeConnection.status, StripeConnection.status_reason
    ).where(where)
    for row in rows:
        # A pending disconnect is what Stripe just confirmed: its own reason (who disconnected) stays.
        pending = row["status"] == ConnectionStatus.disconnect_pending.value
        await mark_disconnected(row["id"], row["status_reason"] if pending else REVOKED_REASON)
    return len(rows)


async def mark_access_revoked(workspace_id: int, account_id: str) -> None:
    """Stripe refused the sync (revoked token, account_invalid): put the card in its reconnect state."""
    await StripeConnection.update(
        {
            StripeConnection.status: ConnectionStatus.error.value,
            StripeConnection.status_reason: SYNC_REVOKED_REASON,
        }
    ).where(
        (StripeConnection.workspace == workspace_id)
        & (StripeConnection.stripe_account_id == account_id)
        & (StripeConnection.status == ConnectionStatus.connected.value)
    )


async def pause_sync(workspace_id: int, who: str) -> None:
    """A purge: nothing is pulled or applied for the workspace's connections until the owner asks again."""
    await StripeConnection.update(
        {
            StripeConnection.sync_paused_at: utcnow(),
            StripeConnection.sync_paused_reason: PURGE_PAUSE_REASON.format(who=who),
        }
    ).where(
        (StripeConnection.workspace == workspace_id) & (StripeConnection.status != ConnectionStatus.disconnected.value)
    )


async def lift_pause(actor: Actor) -> StripeConnection:
    """Let the workspace's connection sync again after a purge paused it.

    Raises:
        PermissionDenied: not an owner.
        NotFound: nothing is connected.

    Returns:
        The connection, whose account the caller syncs from scratch (`stripe_data.sync.resume_sync`).
    """
    actor.require_owner("start a Stripe sync")
    connection = await current_connection(actor.workspace_id)
    if connection is None:
        raise NotFound("Stripe isn't connected to this workspace. Connect it on the Integrations page.")
    await StripeConnection.update(
        {StripeConnection.sync_paused_at: None, StripeConnection.sync_paused_reason: ""}
    ).where(StripeConnection.id == connection.id)
    return connection
