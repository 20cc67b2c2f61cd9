"""The agency's branding on its clients' billing pages: name, logo, colour and support email, set by owners.

Without a saved row the page shows the workspace's name, no logo, a neutral colour and no support address.
The logo is only ever an `<img src>` on the client's page and a URL handed to Stripe's Checkout: ClientPulse never
fetches it, so an https URL is all it has to be.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.client_billing.tables import Branding
from app.core.errors import ValidationFailed
from app.core.timeutil import utcnow
from app.core.validation import InvalidValue, has_control_characters, normalise_email
from app.workspaces import plans
from app.workspaces.services import Actor
from app.workspaces.tables import Workspace

DEFAULT_COLOR = "#334155"
NAME_MAX = 100
LOGO_URL_MAX = 500
_HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


@dataclass(frozen=True)
class Brand:
    """What a client sees of the agency. `saved` is False while the owner has not set it yet."""

    display_name: str
    logo_url: str
    brand_color: str
    support_email: str
    saved: bool = False

    @property
    def text_color(self) -> str:
        return readable_text_color(self.brand_color)


def readable_text_color(background: str) -> str:
    """Black or white, whichever has the higher WCAG contrast ratio on `background` (#rrggbb)."""
    channels = [int(background[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    # Contrast with white is 1.05 / (L + 0.05), with black (L + 0.05) / 0.05: white wins below L ≈ 0.179.
    return "#ffffff" if 1.05 / (luminance + 0.05) > (luminance + 0.05) / 0.05 else "#000000"


async def brand_of(workspace_id: int) -> Brand:
    """The workspace's branding, with the defaults for what the owner left empty."""
    row = await Branding.select().where(Branding.workspace == workspace_id).first()
    workspace = await Workspace.select(Workspace.name).where(Workspace.id == workspace_id).first()
    name = workspace["name"] if workspace else ""
    if row is None:
        return Brand(display_name=name, logo_url="", brand_color=DEFAULT_COLOR, support_email="")
    return Brand(
        display_name=row["display_name"] or name,
        logo_url=row["logo_url"],
        brand_color=row["brand_color"] or DEFAULT_COLOR,
        support_email=row["support_email"],
        saved=True,
    )


def _clean_name(raw: str) -> str:
    name = " ".join((raw or "").split())
    if len(name) > NAME_MAX:
        raise InvalidValue(f"Keep the name under {NAME_MAX} characters.")
    return name


def _clean_logo(raw: str) -> str:
    url = (raw or "").strip()
    if not url:
        return ""
    if len(url) > LOGO_URL_MAX:
        raise InvalidValue(f"Keep the logo's address under {LOGO_URL_MAX} characters.")
    parts = urlsplit(url)
    if parts.scheme.lower() != "https" or not parts.hostname or any(ch.isspace() for ch in url):
        raise InvalidValue("Enter the logo's https:// address, like https://youragency.com/logo.png.")
    return url


def _clean_color(raw: str) -> str:
    color = (raw or "").strip()
    if not color:
        return ""
    if not _HEX_COLOR.fullmatch(color):
        raise InvalidValue("Enter the colour as # and six hex digits, like #0a7d5a.")
    return color.lower()


def _clean_email(raw: str) -> str:
    return normalise_email(raw) if (raw or "").strip() else ""


_CLEANERS = {
    "display_name": _clean_name,
    "logo_url": _clean_logo,
    "brand_color": _clean_color,
    "support_email": _clean_email,
}


def check(values: dict[str, str]) -> dict[str, str]:
    """The cleaned values; ValidationFailed names every field to fix."""
    cleaned, errors = {}, {}
    for field, cleaner in _CLEANERS.items():
        raw = values.get(field) or ""
        if has_control_characters(raw):
            errors[field] = "Remove the invisible control character from this field."
            continue
        try:
            cleaned[field] = cleaner(raw)
        except InvalidValue as exc:
            errors[field] = str(exc)
    if errors:
        raise ValidationFailed(errors)
    return cleaned


async def save(actor: Actor, values: dict[str, str]) -> Brand:
    """Save the workspace's branding (owners on a plan with Auto Billing); empty fields fall back to defaults.

    Raises:
        PlanRequired: the plan has no Auto Billing.
        PermissionDenied: not an owner.
        ValidationFailed: a field is refused (nothing is written).
    """
    plans.require(actor.workspace, plans.Feature.auto_billing)
    actor.require_owner("change your billing page's branding")
    cleaned = check(values)
    now = utcnow()
    row = Branding(workspace=actor.workspace_id, updated_by=actor.user.id, updated_at=now, **cleaned)
    await Branding.insert(row).on_conflict(
        target=Branding.workspace,
        action="DO UPDATE",
        values=[*(getattr(Branding, field) for field in cleaned), Branding.updated_by, Branding.updated_at],
    )
    return await brand_of(actor.workspace_id)
