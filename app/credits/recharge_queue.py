"""How a recharge reaches the task queue without app/ importing tasks/ (the layers forbid it).

`tasks/credits_recharge.py` registers its tasks here when it is imported, which every web process and consumer does
(`tasks/__init__.py`). Without a registration (a script, a shell) nothing is lost: the recharge row stays pending
and the periodic sweep resumes it; an email stays in the outbox.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass
class Queue:
    charge: Callable[[int], object] | None = None  # recharge id
    email: Callable[[int, int | None], object] | None = None  # outbox id, workspace to send as (None: ClientPulse)


QUEUE = Queue()


def charge_later(recharge_id: int) -> None:
    """Enqueue the charge of a claimed recharge (call once the claim has committed)."""
    if QUEUE.charge is None:
        log.warning("no queue registered: recharge %s waits for the sweep", recharge_id)
        return
    QUEUE.charge(recharge_id)


def send_later(outbox_id: int, as_workspace: int | None = None) -> None:
    """Enqueue an email's delivery; `as_workspace` sends it under the agency's name (white-label)."""
    if QUEUE.email is not None:
        QUEUE.email(outbox_id, as_workspace)
