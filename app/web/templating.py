"""The Jinja environment for pages: autoescaped everywhere, with the few filters pages need (emails: core.mail)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from app.core import fx
from app.core.timeutil import DATE_FORMAT
from app.core.validation import display_domain
from app.settings import ROOT, get_settings

TEMPLATE_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"
CURRENCY_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "cad": "CA$", "aud": "A$"}


def money(minor_units: int | Decimal | None, currency: str = "usd") -> str:
    """Format integer minor units (Stripe's convention) as money: 123456, 'usd' -> '$1,234.56'."""
    if minor_units is None:
        return "—"
    currency = (currency or "usd").lower()
    amount = fx.to_major(minor_units, currency)
    symbol = CURRENCY_SYMBOLS.get(currency)
    sign = "-" if amount < 0 else ""
    text = f"{abs(amount):,.{fx.exponent(currency)}f}"
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency.upper()}"


@lru_cache(maxsize=64)
def money_in(currency: str) -> Callable[[int], str]:
    """The money filter bound to one currency, for services that write amounts into sentences.

    One function per currency (cached): the revenue cache keeps sentences per formatter (app.revenue.cache).
    """
    return lambda minor_units: money(minor_units, currency)


def local_datetime(value: datetime | None, tz_name: str = "UTC", fmt: str = "%d %b %Y, %H:%M") -> str:
    if value is None:
        return "—"
    return value.astimezone(ZoneInfo(tz_name)).strftime(fmt)


def short_date(value: date | datetime | None) -> str:
    return "—" if value is None else value.strftime(DATE_FORMAT)


def thousands(value: int | None) -> str:
    return "0" if value is None else f"{value:,}"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    return singular if count == 1 else (plural_form or singular + "s")


def static_fingerprint(directory=STATIC_DIR) -> str:
    """A short hash of every static file's path and bytes: the `?v=` that makes browsers fetch changed CSS and JS.

    Derived rather than bumped by hand, so a stylesheet change can never ship behind a stale cached copy.
    """
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(path.relative_to(directory).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        money=money,
        local_datetime=local_datetime,
        short_date=short_date,
        thousands=thousands,
        display_domain=display_domain,
    )
    env.globals.update(plural=plural, static_version=static_fingerprint(), support_email=get_settings().support_email)
    return env


def template_config() -> TemplateConfig:
    from app.web.flash import get_flashes  # noqa: PLC0415 (flash renders with this environment)

    engine = JinjaTemplateEngine.from_environment(environment())
    engine.register_template_callable("get_flashes", get_flashes)
    return TemplateConfig(instance=engine)
