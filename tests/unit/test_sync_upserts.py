"""Stripe JSON -> rows, progress estimates and the words on the progress bars."""

import json
from datetime import UTC

from app.stripe_data import progress
from app.stripe_data.upserts import (
    charge_row,
    customer_row,
    domain_of,
    invoice_row,
    line_row,
    object_rows,
    subscription_row,
    ts,
)


def test_unix_seconds_become_aware_utc_datetimes():
    moment = ts(1_700_000_000)
    assert moment.tzinfo is not None and moment.utcoffset().total_seconds() == 0
    assert moment.astimezone(UTC).timestamp() == 1_700_000_000
    assert ts(None) is None


def test_customer_emails_are_lowered_and_domains_extracted():
    row = customer_row({"email": " Ops@ACME.com ", "metadata": {"website": "https://www.Acme.com/about"}, "created": 1})
    assert row["email"] == "ops@acme.com" and row["email_domain"] == "acme.com" and row["website_domain"] == "acme.com"
    assert customer_row({"email": None, "created": 1})["email_domain"] == ""
    assert customer_row({"metadata": {"url": "beta.io"}, "created": 1})["website_domain"] == "beta.io"


def test_a_website_is_read_from_metadata_only_because_stripe_customers_have_no_website_field():
    row = customer_row({"email": "ops@acme.com", "website": "https://acme.com", "created": 1})
    assert row["website_domain"] == ""
    assert domain_of("acme.co.uk") == "acme.co.uk" and domain_of("") == ""


def test_expanded_ids_and_missing_fields_are_tolerated():
    row = charge_row({"customer": {"id": "cus_1"}, "amount": 500, "created": 1})
    assert row["customer_id"] == "cus_1" and row["amount_refunded"] == 0


def test_an_invoice_with_more_lines_than_embedded_is_marked_incomplete():
    base = {"customer": "cus_1", "status": "paid", "created": 1, "status_transitions": {"paid_at": 5}}
    assert not invoice_row({**base, "lines": {"data": [], "has_more": True}})["lines_complete"]
    row = invoice_row({**base, "lines": {"data": [], "has_more": False}})
    assert row["lines_complete"] and row["paid_at"] == ts(5)


def test_an_invoice_is_stored_without_its_embedded_lines_which_are_rows_of_their_own():
    lines = {"object": "list", "data": [{"id": "il_1", "amount": 500}], "has_more": True, "total_count": 12}
    invoice = {"id": "in_1", "object": "invoice", "customer": "cus_1", "created": 1, "lines": lines}
    stored = json.loads(object_rows(1, "acct_1", [invoice])[0]["stripe_object"])
    assert stored["lines"] == {"object": "list", "has_more": True, "total_count": 12}
    assert stored["id"] == "in_1" and invoice["lines"]["data"], "the decoded invoice itself is left whole"
    subscription = {"id": "sub_1", "object": "subscription", "created": 1, "items": {"data": [{"id": "si_1"}]}}
    assert json.loads(object_rows(1, "acct_1", [subscription])[0]["stripe_object"]) == subscription


def test_subscription_periods_are_read_from_the_items_where_the_pinned_api_version_keeps_them():
    row = subscription_row(
        {
            "customer": "cus_1",
            "status": "active",
            "created": 1,
            "items": {"data": [{"current_period_start": 10, "current_period_end": 20}]},
        }
    )
    assert row["current_period_start"] == ts(10) and row["current_period_end"] == ts(20)


def test_line_price_comes_from_pricing_and_never_from_the_removed_price_field():
    assert line_row({"pricing": {"price_details": {"price": "price_2"}}, "quantity": 2})["price_id"] == "price_2"
    assert line_row({"price": {"id": "price_1"}})["price_id"] == ""


def test_an_invoice_s_subscription_comes_from_its_parent_and_never_from_the_removed_field():
    parent = {"type": "subscription_details", "subscription_details": {"subscription": "sub_1"}}
    assert invoice_row({"parent": parent, "created": 1})["subscription_id"] == "sub_1"
    assert invoice_row({"subscription": "sub_2", "created": 1})["subscription_id"] == ""


def test_progress_text_with_and_without_an_estimate():
    assert progress.StreamView("invoices", "Invoices", 3400, 12000, False).text == "Invoices 3,400 of ~12,000"
    assert progress.StreamView("charges", "Payments", 3400, None, False).text == "Payments 3,400 so far"
    assert progress.StreamView("charges", "Payments", 3400, None, True).text == "Payments 3,400"
    assert progress.StreamView("invoices", "Invoices", 3400, 12000, False).percent == 28
