"""Auto-recharge's tasks: charge a claimed recharge, deliver its emails under the agency's name, sweep the stalled."""

from huey import crontab
from piccolo.utils.sync import run_sync

from app.credits import recharge, recharge_charge, recharge_emails
from app.credits.recharge_queue import QUEUE
from tasks.queue import huey


@huey.task(retries=5, retry_delay=30)
def charge_recharge(recharge_id: int) -> str:
    """Charge one claimed recharge off-session; safe to run twice (Stripe's idempotency key is the recharge's id).

    Args:
        recharge_id: Recharge.id of the claimed row.

    Returns:
        The recharge's status after the run.
    """
    return run_sync(recharge_charge.run(recharge_id))


@huey.task(retries=5, retry_delay=30)
def deliver_recharge_email(outbox_id: int, as_workspace: int | None = None) -> bool:
    """Deliver one stored email, under the agency's name when `as_workspace` is set (white-label); idempotent.

    Args:
        outbox_id: the OutboxMessage id.
        as_workspace: the workspace whose name is the sender's, or None for ClientPulse's own sender.
    """
    return run_sync(recharge_emails.deliver(outbox_id, as_workspace))


@huey.periodic_task(crontab(minute="*/5"))
@huey.lock_task("recharge-sweeper")
def resume_stalled_recharges() -> int:
    """Every 5 minutes: rerun recharges whose consumer died mid-charge, cancel the ones nobody confirmed."""
    stalled = run_sync(recharge.resume_stalled())
    for recharge_id in stalled:
        charge_recharge(recharge_id)
    return len(stalled)


# app/ may not import tasks/: it reaches these through the registry (app.credits.recharge_queue).
QUEUE.charge = charge_recharge
QUEUE.email = deliver_recharge_email
