"""CSV downloads: formula-injection guard on text, exact money, and documents any csv reader reads back."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from app.core.csv_export import BOM, DANGEROUS_STARTS, Money, cell_text, guard, to_csv


def _read(document: str) -> list[list[str]]:
    assert document.startswith(BOM)
    return list(csv.reader(io.StringIO(document[len(BOM) :], newline="")))


def test_text_a_spreadsheet_would_run_gets_a_leading_apostrophe():
    for text in ('=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tcmd", "\r=1"):
        assert guard(text) == "'" + text
    assert guard("Acme") == "Acme" and guard("") == "" and guard("a=b") == "a=b"


def test_our_own_numbers_stay_numbers_even_when_negative():
    assert cell_text(-1250) == "-1250"
    assert cell_text(Decimal("-0.050000")) == "-0.050000"
    assert cell_text(Money(-1250, "usd")) == "-12.50"
    assert cell_text("-12.50") == "'-12.50"  # the same characters as text are guarded: we did not make them


def test_money_is_exact_major_units_for_two_and_zero_decimal_currencies():
    assert str(Money(123456, "usd")) == "1234.56"
    assert str(Money(5, "eur")) == "0.05"
    assert str(Money(0, "gbp")) == "0.00"
    assert str(Money(-99, "usd")) == "-0.99"
    assert str(Money(500, "jpy")) == "500"
    assert str(Money(10**30 + 1, "usd")) == "1" + "0" * 28 + ".01"  # no rounding to a context's 28 digits


def test_other_cells_empty_dates_and_booleans():
    assert cell_text(None) == ""
    assert cell_text(date(2026, 1, 31)) == "2026-01-31"
    assert cell_text(datetime(2026, 1, 31, 23, 59, 59, tzinfo=UTC)) == "2026-01-31T23:59:59+00:00"
    assert cell_text(True) == "yes" and cell_text(Decimal("1E+3")) == "1000"


def test_a_document_has_a_header_crlf_lines_and_quotes_what_needs_quoting():
    document = to_csv(("name", "mrr"), [("Acme, Inc.", Money(50_000, "usd")), ('Say "hi"', None)])
    assert document == BOM + 'name,mrr\r\n"Acme, Inc.",500.00\r\n"Say ""hi""",\r\n'


@given(st.lists(st.lists(st.text(), min_size=1, max_size=4), min_size=1, max_size=5))
def test_any_text_reads_back_unchanged_apart_from_the_guard_and_no_cell_starts_dangerously(rows):
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    read = _read(to_csv([f"c{i}" for i in range(width)], rows))
    assert read[0] == [f"c{i}" for i in range(width)]
    for written, back in zip(rows, read[1:], strict=True):
        for text, cell in zip(written, back, strict=True):
            assert not cell.startswith(DANGEROUS_STARTS)
            assert cell == (("'" + text) if text.startswith(DANGEROUS_STARTS) else text)


@given(st.integers(min_value=-(10**18), max_value=10**18), st.sampled_from(["usd", "eur", "jpy"]))
def test_money_reads_back_as_the_same_amount(minor, currency):
    places = 0 if currency == "jpy" else 2
    assert Decimal(str(Money(minor, currency))).scaleb(places) == minor
