"""Shared steps of the transactions tests: an Agency owner signed in, and entries as the crediting writes them."""

from __future__ import annotations

from decimal import Decimal

from app.credits import ledger
from app.credits.tables import EntryKind
from app.workspaces.services import set_plan
from tests.conftest import Persona, login

TAB_LIST = "/dashboard/auto-billing/transactions"
EXPORT = "/dashboard/auto-billing/transactions.csv"
STRIPE_PANEL = "/dashboard/auto-billing/transactions/stripe"
HX = {"HX-Request": "true"}
PRICES = ledger.price_fields(Decimal("0.004"), Decimal("0.001"), Decimal("0.003"))


def client_credits(client_id: int) -> str:
    return f"/dashboard/clients/{client_id}/credits"


def adjust_url(client_id: int) -> str:
    return f"/dashboard/clients/{client_id}/credits/adjustments"


async def on_agency_plan(client, persona: Persona) -> Persona:
    persona.workspace = await set_plan(persona.workspace.id, "agency")
    await login(client, persona)
    return persona


async def purchase(workspace_id: int, client_id: int, pi: str, credits: int = 2500, cents: int = 1000, **fields):
    """A $10 pack at the guide's price ($0.004 a credit, $0.001 of it ours), as the crediting records it."""
    fields = {"amount_minor": cents, "application_fee_minor": credits // 10, **PRICES, **fields}
    return await ledger.append(
        workspace_id,
        client_id,
        EntryKind.purchase,
        credits,
        dedupe_key=f"pi:{pi}",
        stripe_payment_intent_id=pi,
        **fields,
    )


async def usage(workspace_id: int, client_id: int, credits: int, description: str = "API calls"):
    return await ledger.append(workspace_id, client_id, EntryKind.usage, -credits, floor=0, description=description)
