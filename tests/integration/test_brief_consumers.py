"""Two real consumers (`python -m app worker` processes) sweeping the same week at once send each brief once.

Their queue is the suite's (Redis in the PostgreSQL run), their database the suite's; the SMTP server is aiosmtpd on
loopback. The sweeps run for a moment inside week 48's window, passed as the task's argument, as the periodic
task passes "now".
"""

from __future__ import annotations

import pytest

from app.brief.tables import BriefDelivery
from tasks.brief import send_briefs_due
from tests.conftest import make_persona
from tests.integration.brief_support import connect, fx_mailserver, local
from tests.integration.consumers_support import Consumers
from tests.plugins.standin import wait_until

__all__ = ["fx_mailserver"]

DEADLINE = 120
WORKSPACES = 12
SWEEPS = 6


@pytest.fixture(name="consumers")
def fx_consumers(tmp_path, mailserver):
    consumers = Consumers(tmp_path, {}, deadline=DEADLINE)
    yield consumers
    consumers.stop_all()


async def test_two_consumers_sweeping_at_once_send_each_brief_exactly_once(mailserver, consumers):
    expected = set()
    for n in range(WORKSPACES):
        owner = await make_persona(f"owner{n}@agency{n}.test", f"Agency {n}")
        mate = await make_persona(f"mate{n}@agency{n}.test", join=owner.workspace)
        await connect(owner.workspace.id)
        expected |= {(owner.workspace.id, owner.user.id), (owner.workspace.id, mate.user.id)}
    for _ in range(2):
        consumers.start()
    wait_until(
        lambda: sum("consumer started" in log.read_text().lower() for log in consumers.log_dir.glob("*.log")) == 2,
        timeout=60,
        interval=0.1,
        message="both consumers to start",
    )

    at = local("UTC", hour=9).isoformat()
    tasks = [consumers.enqueue(send_briefs_due, at) for _ in range(SWEEPS)]
    results = [consumers.queue.result(task, blocking=True, timeout=DEADLINE) for task in tasks]

    assert None not in results, consumers.logs()
    assert sum(result["sent"] for result in results) == len(expected), results
    assert sorted(mailserver.briefs()) == sorted(expected), "each brief once, none missing"
    statuses = await BriefDelivery.select(BriefDelivery.status, BriefDelivery.attempts)
    assert len(statuses) == len(expected) and {(r["status"], r["attempts"]) for r in statuses} == {("sent", 1)}
