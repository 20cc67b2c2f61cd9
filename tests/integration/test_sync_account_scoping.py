"""Rows take their account id from the connection being synced, never from a field of the event.

Stripe leaves `account` out of events listed with Stripe-Account (and an imitation did so for every event); the
catch-up once wrote `account_id = ''` on every row such events touched, and the summary card, MRR and last invoice
went empty. Events are listed here through a reader that strips `account`, as such a server would send them.
"""

from __future__ import annotations

import pytest

from app.clients.services import ClientInput, create_client
from app.integrations.stripe_client import read_only_client
from app.stripe_data import catchup, sync
from app.stripe_data.budget import BudgetedReader
from app.stripe_data.insights import client_insights
from app.stripe_data.matching import rematch
from app.stripe_data.tables import StripeCustomer, StripeInvoiceLine
from app.summary.services import summary_card
from app.workspaces.services import Actor, set_plan
from tests.integration.sync_support import FAST_RETRY, TABLES, backfill, link
from tests.plugins.standin import ELSEWHERE, NORTHWIND_DIGITAL


class ListedEvents:
    """A reader whose /v1/events answer carries no `account`, or a foreign one for chosen objects."""

    def __init__(self, account: str, foreign: dict[str, str] | None = None) -> None:
        self.inner = read_only_client(account)
        self.foreign = foreign or {}
        self.events_seen = 0

    def get(self, path: str, **params):
        page = self.inner.get(path, **params)
        if path == "/v1/events":
            for event in page.get("data") or []:
                event.pop("account", None)
                object_id = ((event.get("data") or {}).get("object") or {}).get("id")
                if object_id in self.foreign:
                    event["account"] = self.foreign[object_id]
                self.events_seen += 1
        return page


@pytest.fixture(name="ws")
async def fx_ws(alice, stripe_standin) -> int:
    """Alice's workspace synced from Northwind Digital, with a few clients matched to its customers."""
    alice.workspace = await set_plan(alice.workspace.id, "agency")
    await link(stripe_standin, alice.workspace.id, NORTHWIND_DIGITAL)
    customers = stripe_standin.objects(NORTHWIND_DIGITAL, "customers", limit=100_000)
    paying = {
        s["customer"]
        for s in stripe_standin.objects(NORTHWIND_DIGITAL, "subscriptions", limit=100_000)
        if s["status"] == "active"
    }
    emails = sorted({c["email"].lower() for c in customers if c.get("email") and c["id"] in paying})[:5]
    actor = Actor(user=alice.user, workspace=alice.workspace, role=alice.role)
    for number, email in enumerate(emails):
        await create_client(actor, ClientInput(name=f"Client {number}", emails=[email]))
    assert (await backfill(alice.workspace.id, NORTHWIND_DIGITAL)).status == "done"
    await rematch(alice.workspace.id, NORTHWIND_DIGITAL)
    return alice.workspace.id


def _touch_everything(standin) -> int:
    """An `*.updated` event for every customer, subscription and invoice of the account."""
    kinds = {
        "customers": "customer.updated",
        "subscriptions": "customer.subscription.updated",
        "invoices": "invoice.updated",
    }
    touched = 0
    for collection, event_type in kinds.items():
        for obj in standin.objects(NORTHWIND_DIGITAL, collection, limit=100_000):
            standin.action("emit_event", account=NORTHWIND_DIGITAL, object=obj["id"], type=event_type)
            touched += 1
    return touched


async def _state(ws: int, tz: str) -> tuple:
    card = await summary_card(ws)
    insights = await client_insights(ws, tz, "usd")
    money = {cid: (i.mrr, i.lifetime_revenue, i.last_invoice_at) for cid, i in insights.items()}
    return (card.invoices, card.matched_invoices), money


async def test_a_catch_up_over_events_without_account_keeps_every_rows_account(alice, ws, stripe_standin):
    before = await _state(ws, alice.workspace.timezone)
    (invoices, matched), money = before
    assert invoices and matched and money, "the fixture should match clients with invoices"
    assert any(mrr for mrr, _, _ in money.values()) and all(last for _, _, last in money.values())
    touched = _touch_everything(stripe_standin)

    reader = ListedEvents(NORTHWIND_DIGITAL)
    result = await catchup.run_catchup(
        ws, sync.SyncOptions(reader=BudgetedReader(NORTHWIND_DIGITAL, retry=FAST_RETRY, reader=reader))
    )
    assert not result.skipped and not result.relisted
    assert reader.events_seen >= touched and result.events_applied >= touched
    for table in (*TABLES.values(), StripeInvoiceLine):
        assert await table.count().where(table.account_id != NORTHWIND_DIGITAL) == 0, table._meta.tablename
    assert await _state(ws, alice.workspace.timezone) == before, "summary card, MRR and last invoice unchanged"


async def test_a_listed_event_naming_another_account_is_not_applied(ws, stripe_standin):
    customer = stripe_standin.objects(NORTHWIND_DIGITAL, "customers", limit=1)[0]
    other = stripe_standin.objects(NORTHWIND_DIGITAL, "customers", limit=2)[1]
    stripe_standin.action(
        "update_customer_email", account=NORTHWIND_DIGITAL, customer=customer["id"], email="stray@elsewhere.example"
    )
    stripe_standin.action(
        "update_customer_email", account=NORTHWIND_DIGITAL, customer=other["id"], email="moved@northwind.example"
    )

    reader = ListedEvents(NORTHWIND_DIGITAL, foreign={customer["id"]: ELSEWHERE})
    result = await catchup.run_catchup(
        ws, sync.SyncOptions(reader=BudgetedReader(NORTHWIND_DIGITAL, retry=FAST_RETRY, reader=reader))
    )
    assert result.events_applied >= 1
    rows = {
        r.stripe_id: r
        for r in await StripeCustomer.objects().where(StripeCustomer.stripe_id.is_in([customer["id"], other["id"]]))
    }
    assert rows[customer["id"]].email == (customer.get("email") or "").lower(), "the foreign event was skipped"
    assert rows[other["id"]].email == "moved@northwind.example"
    assert {r.account_id for r in rows.values()} == {NORTHWIND_DIGITAL}
