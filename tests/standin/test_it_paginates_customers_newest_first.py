"""Cursor pagination, limits and created filters."""

from __future__ import annotations

import pytest
import stripe

from .helpers import linked_sdk


def test_it_pages_customers_newest_first_without_gaps_or_repeats(fresh_standin):
    client, opts = linked_sdk(fresh_standin)
    seen, after = [], None
    while True:
        params = {"limit": 7, **({"starting_after": after} if after else {})}
        page = client.v1.customers.list(params=params, options=opts)
        seen.extend(page.data)
        if not page.has_more:
            break
        after = page.data[-1].id
    assert len(seen) == 40
    assert len({c.id for c in seen}) == 40
    created = [c.created for c in seen]
    assert created == sorted(created, reverse=True)
    assert page.url == "/v1/customers"


def test_the_sdk_auto_pager_walks_every_invoice(fresh_standin):
    client, opts = linked_sdk(fresh_standin)
    total = sum(a["counts"]["invoices"] for a in fresh_standin.accounts() if a["id"] == opts["stripe_account"])
    ids = [inv.id for inv in client.v1.invoices.list(params={"limit": 100}, options=opts).auto_paging_iter()]
    assert len(ids) == total == len(set(ids))


def test_ending_before_returns_the_previous_page(fresh_standin):
    client, opts = linked_sdk(fresh_standin)
    first = client.v1.invoices.list(params={"limit": 5}, options=opts)
    second = client.v1.invoices.list(params={"limit": 5, "starting_after": first.data[-1].id}, options=opts)
    back = client.v1.invoices.list(params={"limit": 5, "ending_before": second.data[0].id}, options=opts)
    assert [i.id for i in back.data] == [i.id for i in first.data]
    assert back.has_more is False


def test_limit_defaults_to_ten_and_above_100_is_rejected(fresh_standin):
    client, opts = linked_sdk(fresh_standin)
    assert len(client.v1.invoices.list(options=opts).data) == 10
    assert len(client.v1.invoices.list(params={"limit": 100}, options=opts).data) == 100
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.invoices.list(params={"limit": 101}, options=opts)
    assert info.value.http_status == 400 and info.value.param == "limit"


def test_created_filters_bound_the_results(fresh_standin):
    client, opts = linked_sdk(fresh_standin)
    everything = list(client.v1.invoices.list(params={"limit": 100}, options=opts).auto_paging_iter())
    middle = sorted(i.created for i in everything)[len(everything) // 2]
    newer = list(
        client.v1.invoices.list(params={"limit": 100, "created": {"gte": middle}}, options=opts).auto_paging_iter()
    )
    older = list(
        client.v1.invoices.list(params={"limit": 100, "created": {"lt": middle}}, options=opts).auto_paging_iter()
    )
    assert newer and older
    assert all(i.created >= middle for i in newer) and all(i.created < middle for i in older)
    assert len(newer) + len(older) == len(everything)
    window = client.v1.invoices.list(
        params={"limit": 100, "created": {"gt": middle - 86400 * 60, "lte": middle}}, options=opts
    )
    assert all(middle - 86400 * 60 < i.created <= middle for i in window.data)


def test_list_filters_by_customer_and_status(fresh_standin):
    client, opts = linked_sdk(fresh_standin)
    customer = client.v1.customers.list(params={"limit": 100}, options=opts).data[-1]
    theirs = list(
        client.v1.invoices.list(params={"customer": customer.id, "limit": 100}, options=opts).auto_paging_iter()
    )
    assert theirs and all(i.customer == customer.id for i in theirs)
    for status in ("paid", "open", "void", "uncollectible"):
        page = client.v1.invoices.list(params={"status": status, "limit": 100}, options=opts)
        assert all(i.status == status for i in page.data)
    charges = client.v1.charges.list(params={"customer": customer.id, "limit": 100}, options=opts)
    assert all(c.customer == customer.id for c in charges.data)


def test_a_cursor_that_does_not_exist_is_rejected(fresh_standin):
    client, opts = linked_sdk(fresh_standin)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.list(params={"starting_after": "cus_nope"}, options=opts)
