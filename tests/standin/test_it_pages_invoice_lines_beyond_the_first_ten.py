"""Stripe's trap: an invoice carries only its first 10 lines; the rest come from /lines."""

from __future__ import annotations

from .helpers import linked_sdk


def test_a_long_invoice_shows_ten_lines_and_pages_the_rest(fresh_standin):
    client, opts = linked_sdk(fresh_standin)
    invoices = list(client.v1.invoices.list(params={"limit": 100}, options=opts).auto_paging_iter())
    long = [i for i in invoices if i.lines.has_more]
    assert long, "the demo data should have invoices with more than 10 lines"
    inv = long[0]
    assert len(inv.lines.data) == 10
    assert inv.lines.url == f"/v1/invoices/{inv.id}/lines"
    lines = list(client.v1.invoices.line_items.list(inv.id, params={"limit": 4}, options=opts).auto_paging_iter())
    assert len(lines) > 10
    assert [line.id for line in lines[:10]] == [line.id for line in inv.lines.data]
    assert len({line.id for line in lines}) == len(lines)
    assert sum(line.amount for line in lines) == inv.subtotal
    assert all(line.object == "line_item" and line.invoice == inv.id for line in lines)


def test_a_short_invoice_has_all_its_lines_inline(fresh_standin):
    client, opts = linked_sdk(fresh_standin)
    inv = next(i for i in client.v1.invoices.list(params={"limit": 100}, options=opts).data if not i.lines.has_more)
    lines = client.v1.invoices.line_items.list(inv.id, options=opts)
    assert [line.id for line in lines.data] == [line.id for line in inv.lines.data]
    assert lines.has_more is False
