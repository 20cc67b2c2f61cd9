"""Plan prices and limits are spelled in app/workspaces/plans.py alone: every page and module asks it."""

from __future__ import annotations

import re
from pathlib import Path

from app.workspaces import plans

ROOT = Path(__file__).resolve().parents[2]
PLANS_MODULE = ROOT / "app/workspaces/plans.py"


def _spellings() -> dict[str, re.Pattern]:
    """Each paid plan's price as a page or module could hard-code it: "$799", "799/mo", "79900" cents, "799.00"."""
    found = {}
    for terms in plans.PLANS.values():
        if terms.monthly_usd == 0:
            continue
        usd, cents = terms.monthly_usd, terms.monthly_usd * 100
        found[terms.label] = re.compile(
            rf"\$\s?{usd:,}\b|\$\s?{usd}\b|\b{usd}\s?(?:/|per |a )(?:mo|month)|\b{cents}\b|\b{usd}\.00\b"
        )
    return found


def _sources() -> list[Path]:
    files = [*sorted((ROOT / "app").rglob("*.py")), *sorted((ROOT / "tasks").rglob("*.py"))]
    files += [*sorted((ROOT / "templates").rglob("*.html")), *sorted((ROOT / "app/core/emails").rglob("*.txt"))]
    files += sorted((ROOT / "static").rglob("*.js"))
    return [path for path in files if path != PLANS_MODULE and "piccolo_migrations" not in path.parts]


def test_no_template_or_module_outside_the_plans_module_hard_codes_a_plan_price():
    spellings = _spellings()
    assert set(spellings) == {"Pro", "Agency"}
    hard_coded = [
        f"{path.relative_to(ROOT)}:{number}: {label} price in {line.strip()[:100]!r}"
        for path in _sources()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        for label, pattern in spellings.items()
        if pattern.search(line)
    ]
    assert hard_coded == []


def test_the_check_finds_a_hard_coded_price_where_one_is_spelled():
    pattern = _spellings()["Agency"]
    for spelled in ("Agency is $799+/mo", "only $799 a month", "799/mo", "amount=79900", "$799.00"):
        assert pattern.search(spelled), spelled
    assert not pattern.search("253_402_300_799"), "an unrelated number that ends in the price is not a price"
    assert PLANS_MODULE.read_text().count("monthly_usd=") == len(plans.PLANS)


def test_the_client_limit_is_not_spelled_in_a_template():
    limit = plans.client_limit("free")
    spelled = re.compile(rf"\b(?:up to|includes|holds) {limit} clients?\b", re.IGNORECASE)
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _sources()
        if path.suffix == ".html"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if spelled.search(line)
    ]
    assert found == []
