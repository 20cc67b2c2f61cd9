"""The ledger check: a cached balance that drifted from its ledger is reported (log, task, CLI), never fixed."""

from __future__ import annotations

import logging
import subprocess
import sys

from app.credits import ledger
from app.credits.tables import CreditAccount, EntryKind
from tasks.credits import check_ledger
from tests import factories
from tests.plugins.database import ROOT


def _credits_check() -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app", "credits-check"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


async def _drifted(workspace_id: int) -> int:
    client = await factories.client(workspace_id, "Acme")
    await ledger.append(workspace_id, client.id, EntryKind.purchase, 40, dedupe_key="pi:1")
    await CreditAccount.update({CreditAccount.balance: 45}).where(CreditAccount.client == client.id)
    return client.id


async def test_the_hourly_task_logs_each_drifted_balance_as_an_error_and_leaves_it(alice, caplog):
    client_id = await _drifted(alice.workspace.id)

    with caplog.at_level(logging.ERROR, logger="app.credits.checks"):
        found = check_ledger.call_local()

    assert found == 1
    [record] = [r for r in caplog.records if r.name == "app.credits.checks"]
    assert record.levelno == logging.ERROR
    assert f"workspace {alice.workspace.id} client {client_id}: cached balance 45, ledger 40" in record.getMessage()
    assert await ledger.balance(alice.workspace.id, client_id) == 45  # reported, not silently fixed


async def test_the_task_reports_nothing_when_every_balance_matches(alice, caplog):
    client = await factories.client(alice.workspace.id, "Acme")
    await ledger.append(alice.workspace.id, client.id, EntryKind.purchase, 40, dedupe_key="pi:1")

    with caplog.at_level(logging.ERROR, logger="app.credits.checks"):
        assert check_ledger.call_local() == 0

    assert not [r for r in caplog.records if r.name == "app.credits.checks"]


async def test_the_cli_prints_each_drifted_balance_and_exits_non_zero(alice):
    client = await factories.client(alice.workspace.id, "Fine")
    await ledger.append(alice.workspace.id, client.id, EntryKind.purchase, 10, dedupe_key="pi:0")
    clean = _credits_check()
    drifted_id = await _drifted(alice.workspace.id)

    drifted = _credits_check()

    assert clean.returncode == 0 and "Every credit balance matches its ledger." in clean.stdout
    assert drifted.returncode == 1, drifted.stderr
    assert f"workspace {alice.workspace.id} client {drifted_id}: cached balance 45, ledger 40 (difference +5)" in (
        drifted.stdout
    )
    assert "1 credit balance(s) differ from their ledger." in drifted.stdout
