"""Unlinking a Stripe account at Stripe, and holding the connection as `disconnect_pending` until Stripe confirms.

Stripe holds the real link: while it does, the agency's account is still connected to ClientPulse (Stripe keeps
sending its events and lists us in its dashboard), so a Disconnect only counts once Stripe has said so. Until then
nothing syncs for the connection, its tokens are kept, and tasks.sync retries with backoff (and a periodic sweeper
retries whatever a lost task left pending).
"""

from __future__ import annotations

import logging

import anyio
import stripe
from stripe.oauth_error import InvalidClientError

from app.core.security import encrypt_secret
from app.core.timeutil import utcnow
from app.integrations.stripe_client import platform_client
from app.integrations.tables import ConnectionStatus, StripeConnection

log = logging.getLogger(__name__)

# Stripe's invalid_client answer for an account that is no longer linked ("This application is not connected to
# stripe account acct_..., or that account does not exist."). The same code also means our own credentials are
# wrong, which must not pass for a confirmation, hence the wording check.
ALREADY_UNLINKED = "not connected"
LOST_RACE_REASON = (
    "Linked by a second Connect Stripe that finished at the same moment as another one; unlinked at Stripe again."
)


async def deauthorize(account_id: str) -> bool:
    """Ask Stripe to unlink the account from ClientPulse; True once Stripe says it is no longer linked.

    A 5xx, a network error or any other refusal is False: the caller keeps the link pending and retries.
    """
    try:
        await anyio.to_thread.run_sync(
            lambda: platform_client().oauth.deauthorize(params={"stripe_user_id": account_id})
        )
    except InvalidClientError as exc:
        if ALREADY_UNLINKED in (exc.user_message or ""):
            log.info("stripe says %s was already unlinked", account_id)
            return True
        log.warning(
            "stripe refused to deauthorize %s: invalid_client (check STRIPE_CLIENT_ID / STRIPE_SECRET_KEY)", account_id
        )
        return False
    except stripe.StripeError as exc:
        log.warning("stripe deauthorize for %s failed: %s %s", account_id, exc.http_status or "-", type(exc).__name__)
        return False
    return True


async def mark_disconnected(connection_id: int, reason: str) -> None:
    await StripeConnection.update(
        {
            StripeConnection.status: ConnectionStatus.disconnected.value,
            StripeConnection.status_reason: reason,
            StripeConnection.disconnected_at: utcnow(),
            StripeConnection.access_token_enc: "",
            StripeConnection.refresh_token_enc: "",
        }
    ).where(StripeConnection.id == connection_id)


async def confirm_disconnect(connection_id: int) -> bool:
    """Finish a pending disconnect: True once settled (Stripe confirmed, or there is nothing left to do).

    When the same account has since been connected again (here or elsewhere), that newer link is the one Stripe
    holds; unlinking it would cut off the new connection, so the pending one is settled without asking Stripe.
    """
    row = (
        await StripeConnection.objects()
        .where(
            (StripeConnection.id == connection_id)
            & (StripeConnection.status == ConnectionStatus.disconnect_pending.value)
        )
        .first()
    )
    if row is None:
        return True
    relinked = await StripeConnection.exists().where(
        (StripeConnection.stripe_account_id == row.stripe_account_id)
        & (StripeConnection.status == ConnectionStatus.connected.value)
    )
    if not relinked and not await deauthorize(row.stripe_account_id):
        return False
    # The reason was written when the disconnect was asked for ("Disconnected by ..."); it stays the reason.
    await mark_disconnected(row.id, row.status_reason)
    return True


async def pending_disconnects() -> list[int]:
    """Connections still waiting for Stripe to confirm their unlink, oldest first."""
    rows = (
        await StripeConnection.select(StripeConnection.id)
        .where(StripeConnection.status == ConnectionStatus.disconnect_pending.value)
        .order_by(StripeConnection.id)
    )
    return [row["id"] for row in rows]


async def release_lost_link(workspace_id: int, user_id: int, account_id: str, token: dict) -> int | None:
    """Undo the link a losing OAuth callback made at Stripe, unless a live connection uses that account.

    The loser is remembered as a pending connection (never a live one) so the retries and the sweeper can finish
    the unlink if Stripe doesn't answer now.

    Returns:
        The pending connection's id when Stripe did not confirm yet (retry it), else None.
    """
    if await StripeConnection.exists().where(
        (StripeConnection.stripe_account_id == account_id)
        & (StripeConnection.status == ConnectionStatus.connected.value)
    ):
        return None
    row = StripeConnection(
        workspace=workspace_id,
        stripe_account_id=account_id,
        account_name=account_id,
        livemode=bool(token.get("livemode")),
        scope=token.get("scope") or "read_write",
        access_token_enc=encrypt_secret(token.get("access_token") or ""),
        refresh_token_enc=encrypt_secret(token.get("refresh_token") or ""),
        status=ConnectionStatus.disconnect_pending.value,
        status_reason=LOST_RACE_REASON,
        connected_by=user_id,
        connected_at=utcnow(),
    )
    await row.save()
    log.info("workspace %s lost a connect race; unlinking %s at stripe", workspace_id, account_id)
    return None if await confirm_disconnect(row.id) else row.id
