"""Stripe webhook processing tasks."""

from huey import crontab
from piccolo.utils.sync import run_sync

from app.auto_billing.events import with_payout_account_handlers
from app.billing.events import PLATFORM_HANDLERS
from app.credits.events import with_credit_handlers
from app.credits.recharge_events import with_recharge_handlers
from app.integrations import webhooks
from app.integrations.tables import StripeEvent
from app.stripe_data.events import WEBHOOK_HANDLERS
from tasks.queue import huey

# Connect events go to the synced data, to Auto Billing's payout accounts, to the credits their payments buy and to
# recharges' PaymentIntents; the platform's own to the plan it sells (see webhooks.by_endpoint).
HANDLERS = webhooks.by_endpoint(
    connect=with_recharge_handlers(with_credit_handlers(with_payout_account_handlers(WEBHOOK_HANDLERS))),
    platform=PLATFORM_HANDLERS,
)


@huey.task(retries=5, retry_delay=10)
def process_stripe_event(event_row_id: int) -> bool:
    """Apply one stored Stripe event (safe to run twice).

    Args:
        event_row_id: StripeEvent.id of the stored, verified event.
    """
    return run_sync(webhooks.process(event_row_id, HANDLERS))


@huey.periodic_task(crontab(minute="*/5"))
@huey.lock_task("stripe-event-sweeper")
def retry_unprocessed_events() -> int:
    """Re-enqueue events stored but not processed (a crash between store and task, or exhausted retries)."""
    # .run(): run_sync takes a coroutine, and a bare query object made every sweep fail with a ValueError.
    rows = run_sync(
        StripeEvent.select(StripeEvent.id)
        .where(StripeEvent.processed_at.is_null() & (StripeEvent.attempts < 20))
        .limit(500)
        .run()
    )
    for row in rows:
        process_stripe_event(row["id"])
    return len(rows)
