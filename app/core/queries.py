"""Query idioms every list shares: a case-insensitive "contains" taking % and _ literally, and page counts."""

from __future__ import annotations

from piccolo.columns import Column
from piccolo.columns.combination import WhereRaw

# "!" rather than backslash: PostgreSQL treats backslash as LIKE's escape by default and SQLite has none, so an
# explicit ESCAPE clause with a character no SQL string literal treats specially behaves the same on both.
_ESCAPE = "!"


def like_pattern(text: str) -> str:
    """`%text%`, with LIKE's wildcards in `text` escaped so that a typed "50%" or "a_b" matches itself."""
    escaped = text.replace(_ESCAPE, _ESCAPE * 2).replace("%", _ESCAPE + "%").replace("_", _ESCAPE + "_")
    return f"%{escaped}%"


def contains_sql(expression: str, engine_type: str) -> str:
    """Raw SQL for "expression contains one `{}` parameter (a like_pattern), in any case".

    ILIKE on PostgreSQL; SQLite's LIKE is already case-insensitive (for ASCII) and has no ILIKE.
    """
    operator = "ILIKE" if engine_type == "postgres" else "LIKE"
    return f"{expression} {operator} {{}} ESCAPE '{_ESCAPE}'"


def contains_ci(column: Column, text: str) -> WhereRaw:
    """A Piccolo where-clause: `column` contains `text`, in any case, wildcards taken literally."""
    engine_type = column._meta.table._meta.db.engine_type
    return WhereRaw(contains_sql(column._meta.get_full_name(with_alias=False), engine_type), like_pattern(text))


def page_count(total: int, page_size: int) -> int:
    """How many pages `total` rows fill; an empty list still has one (empty) page."""
    return max(1, -(-total // page_size))


def clamp_page(page: int | None, total: int, page_size: int) -> int:
    """A 1-based page number brought within the pages that exist."""
    return max(1, min(page or 1, page_count(total, page_size)))
