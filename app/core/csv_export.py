"""CSV files for download: spreadsheet-safe cells, money as exact decimals (pure; no HTTP, no database).

Formula injection (OWASP "CSV Injection"): a spreadsheet runs a cell starting with `=`, `+`, `-` or `@` as a
formula, and tab or carriage return can hide such a start. OWASP's advice is to prefix every such cell with `'`.
We apply it by type rather than to everything:
- any `str` cell is guarded: client names, emails and anything from Stripe or a user may start with `=`;
- `int` and `Decimal` cells, dates and `Money` are numbers we format ourselves (digits, at most one leading `-`
  and a dot), so they are left alone: a negative amount stays a number the spreadsheet can sum, where "'-12.50"
  would be text. A number that must not be trusted has to arrive as `str` and is then guarded like any text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from app.core import fx

DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel reads a CSV without a byte order mark in the machine's legacy code page, mangling accented client names.
BOM = "\ufeff"
# Litestar adds "; charset=utf-8" to text/* types itself.
MEDIA_TYPE = "text/csv"

Cell = str | int | Decimal | date | datetime | None


@dataclass(frozen=True, slots=True)
class Money:
    """Integer minor units of `currency`, written as decimal major units ("1234.50", "-3.00", "500" for yen)."""

    minor_units: int
    currency: str

    def __str__(self) -> str:
        places = fx.exponent(self.currency)
        sign = "-" if self.minor_units < 0 else ""
        whole, fraction = divmod(abs(int(self.minor_units)), 10**places)
        # Integer arithmetic, not Decimal.scaleb: no context precision to round a very large amount.
        return f"{sign}{whole}.{fraction:0{places}d}" if places else f"{sign}{whole}"


def guard(text: str) -> str:
    """`text` with a leading `'` when a spreadsheet would read it as a formula; unchanged otherwise."""
    return f"'{text}" if text.startswith(DANGEROUS_STARTS) else text


def cell_text(value: Cell | Money) -> str:
    """One cell as written: text guarded, our own numbers and dates as they are, None as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):  # a bool is an int: say what it means instead of 1/0
        return "yes" if value else "no"
    if isinstance(value, str):
        return guard(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")  # never "1E+3": a spreadsheet or a script reads plain digits
    return str(value)


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Cell | Money]]) -> str:
    """A whole CSV document (RFC 4180: quoted as needed, CRLF line ends), starting with a byte order mark.

    Args:
        header: column names (our own; guarded like any text all the same).
        rows: one sequence of cells per line, as long as the header.

    Returns:
        The document's text, to be encoded as UTF-8.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([guard(name) for name in header])
    for row in rows:
        writer.writerow([cell_text(value) for value in row])
    return BOM + out.getvalue()


def attachment(filename: str) -> dict[str, str]:
    """Response headers that make a browser save the document as `filename` (ASCII, chosen by us)."""
    return {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"}
