"""The periodic check that every client's cached balance is the sum of its ledger: it reports, never repairs.

A difference means a bug or a hand edit; fixing it silently would hide which. Each one is logged as an error an
operator sees (and `python -m app credits-check` prints them), with the numbers needed to investigate.
"""

from __future__ import annotations

import logging

from app.credits import ledger

log = logging.getLogger(__name__)


def describe(mismatch: ledger.Mismatch) -> str:
    return (
        f"workspace {mismatch.workspace_id} client {mismatch.client_id}: cached balance {mismatch.cached:,}, "
        f"ledger {mismatch.ledger:,} (difference {mismatch.cached - mismatch.ledger:+,})"
    )


async def report_mismatches() -> list[ledger.Mismatch]:
    """Every drifted balance, each logged as an error; the ledger and the cache are left as they are."""
    found = await ledger.mismatches()
    for mismatch in found:
        log.error("credit balance differs from its ledger: %s", describe(mismatch))
    return found
