"""The human index page and per-account pages."""

from __future__ import annotations

import httpx

from .helpers import NORTHWIND_DIGITAL


def test_the_index_lists_accounts_with_counts(fresh_standin):
    html = httpx.get(f"{fresh_standin.base_url}/").text
    counts = {a["id"]: a["counts"] for a in fresh_standin.accounts()}
    assert "Northwind Digital" in html and "Northwind Labs Ltd" in html
    assert f'href="/accounts/{NORTHWIND_DIGITAL}"' in html
    assert f"<td>{counts[NORTHWIND_DIGITAL]['invoices']}</td>" in html


def test_an_account_page_lists_its_customers_and_invoices(fresh_standin):
    html = httpx.get(f"{fresh_standin.base_url}/accounts/{NORTHWIND_DIGITAL}").text
    customer = fresh_standin.objects(NORTHWIND_DIGITAL, "customers", limit=1)[0]
    invoice = fresh_standin.objects(NORTHWIND_DIGITAL, "invoices", limit=1)[0]
    assert customer["id"] in html and invoice["id"] in html
    assert "Granite &amp; Pine" in html or "(no email)" in html
    assert httpx.get(f"{fresh_standin.base_url}/accounts/acct_nope").status_code == 404
