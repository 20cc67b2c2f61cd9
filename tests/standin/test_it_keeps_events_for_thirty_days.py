"""Events: listed newest first, only the last 30 days, with the connected account's id."""

from __future__ import annotations

import time

import pytest
import stripe

from .helpers import NORTHWIND_DIGITAL, linked_sdk


def test_events_older_than_thirty_days_are_not_listed(fresh_standin):
    now = int(time.time())
    fresh_standin.set_clock(now)
    fresh_standin.reset()
    client, opts = linked_sdk(fresh_standin)
    events = list(client.v1.events.list(params={"limit": 100}, options=opts).auto_paging_iter())
    assert events
    assert all(e.created >= now - 30 * 86400 for e in events)
    own = {e["id"] for e in fresh_standin.objects(NORTHWIND_DIGITAL, "events", limit=100000)}
    assert {e.id for e in events} <= own, "only the connected account's own events"
    created = [e.created for e in events]
    assert created == sorted(created, reverse=True)
    # the generator made events up to 35 days back; move the clock and they age out of the window
    fresh_standin.set_clock(now + 20 * 86400)
    later = list(client.v1.events.list(params={"limit": 100}, options=opts).auto_paging_iter())
    assert len(later) < len(events)
    gone = next(e for e in events if e.created < now - 10 * 86400)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.events.retrieve(gone.id, options=opts)
    fresh_standin.set_clock(None)


def test_actions_emit_events_that_can_be_listed_and_retrieved(fresh_standin):
    client, opts = linked_sdk(fresh_standin)
    inv = client.v1.invoices.list(params={"status": "open", "limit": 1}, options=opts).data[0]
    result = fresh_standin.action("pay_invoice", account=NORTHWIND_DIGITAL, invoice=inv.id)
    event = client.v1.events.retrieve(result["event"]["id"], options=opts)
    assert event.type == "invoice.paid"
    assert event.data.object.id == inv.id and event.data.object.status == "paid"
    assert event.data.previous_attributes.status == "open"
    paid = client.v1.events.list(params={"type": "invoice.paid", "limit": 5}, options=opts)
    assert paid.data[0].id == event.id
    assert client.v1.invoices.retrieve(inv.id, options=opts).status == "paid"
    assert client.v1.invoices.retrieve(inv.id, options=opts).amount_remaining == 0
