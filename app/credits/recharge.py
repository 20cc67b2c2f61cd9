"""Auto-recharge's seam for the usage path (being built in parallel; these are its contract, not its behaviour).

`after_usage` runs after usage was recorded: it starts one recharge when the balance fell below the client's
threshold. `ensure_funds` runs when usage would take the balance below zero: it recharges first and waits, and says
whether the credits arrived. Until auto-recharge lands, neither recharges.
"""

from __future__ import annotations


async def after_usage(workspace_id: int, client_id: int) -> None:
    """Start a recharge if the client's balance is below its threshold (auto-recharge lands next)."""
    return None


async def ensure_funds(workspace_id: int, client_id: int, needed: int) -> bool:
    """Recharge before refusing usage of `needed` credits; True when the balance now covers it."""
    return False
