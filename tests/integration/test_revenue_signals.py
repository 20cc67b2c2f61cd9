"""Quietly cancelling flags over a synced agency: the clients flagged for a cancellation at period end and for failed
payments in a row are exactly those the stand-in's own objects say, each flag dated as its rule defines."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.core.timeutil import utcnow
from app.revenue.signals import client_signals
from app.workspaces.services import set_plan
from tests.integration.stripe_truth import list_all
from tests.integration.sync_support import backfill, link
from tests.plugins.standin import NORTHWIND_DIGITAL


@pytest.fixture(name="synced")
async def fx_synced(alice, stripe_standin) -> int:
    alice.workspace = await set_plan(alice.workspace.id, "agency")
    await link(stripe_standin, alice.workspace.id, NORTHWIND_DIGITAL)
    assert (await backfill(alice.workspace.id, NORTHWIND_DIGITAL)).status == "done"
    return alice.workspace.id


def _read(standin, path: str, **params) -> list[dict]:
    return list_all(standin.base_url, standin.secret_key, NORTHWIND_DIGITAL, path, **params)


def _key(customer: str) -> str:
    return f"{NORTHWIND_DIGITAL}:{customer}"  # no clients here: every customer counts on its own


async def test_cancellations_and_failed_payments_flag_exactly_the_clients_stripe_s_objects_show(synced, stripe_standin):
    now = utcnow()
    expected_cancel = {}
    for sub in _read(stripe_standin, "/v1/subscriptions", status="all"):
        ends = sub["cancel_at"] or (
            sub["items"]["data"][0]["current_period_end"] if sub["cancel_at_period_end"] else None
        )
        if sub["status"] in ("active", "past_due", "trialing") and ends and ends > now.timestamp():
            expected_cancel[_key(sub["customer"])] = ends
    expected_failed = {}
    runs: dict[str, list[dict]] = {}
    for charge in sorted(_read(stripe_standin, "/v1/charges"), key=lambda c: c["created"]):
        run = runs.setdefault(charge["customer"], [])
        runs[charge["customer"]] = [] if charge["status"] == "succeeded" else [*run, charge]
    for customer, failures in runs.items():
        if len(failures) >= 2:
            expected_failed[_key(customer)] = datetime.fromtimestamp(failures[1]["created"], tz=UTC)

    signals = await client_signals(synced, now)
    cancelling = {
        key: flag for key, s in signals.items() for flag in s.cancelling if flag.rule == "cancel_at_period_end"
    }
    failed = {key: flag for key, s in signals.items() for flag in s.cancelling if flag.rule == "failed_payments"}
    assert expected_cancel and set(cancelling) == set(expected_cancel)
    assert len(expected_failed) >= 2 and {key: flag.at for key, flag in failed.items()} == expected_failed
    assert all(flag.at <= now for flags in (cancelling, failed) for flag in flags.values())
