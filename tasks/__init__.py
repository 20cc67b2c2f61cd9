"""Huey tasks; run the consumer with `python -m app worker` (or `huey_consumer tasks.huey`)."""

from tasks import brief, credits, credits_recharge, emails, maintenance, stripe_events, sync  # noqa: F401
from tasks.queue import huey  # noqa: F401
