"""The Jinja environment for pages: autoescaped everywhere, with the few filters pages need (emails: core.mail)."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

# Pages and their controllers import these from here; they live in app.core so services can use them too.
from app.core.formatting import money, plural
from app.core.formatting import money_in as money_in
from app.core.timeutil import DATE_FORMAT
from app.core.validation import display_domain
from app.settings import ROOT, get_settings

TEMPLATE_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"


def local_datetime(value: datetime | None, tz_name: str = "UTC", fmt: str = "%d %b %Y, %H:%M") -> str:
    if value is None:
        return "—"
    return value.astimezone(ZoneInfo(tz_name)).strftime(fmt)


def short_date(value: date | datetime | None) -> str:
    return "—" if value is None else value.strftime(DATE_FORMAT)


def thousands(value: int | None) -> str:
    return "0" if value is None else f"{value:,}"


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
