"""A workspace's credit pricing: the price in force, changing it (owners), its history, and the panel's context.

The price in force is the latest CreditPrice row's Cost per Credit on top of the platform's price *now*
(PLATFORM_PRICE_PER_CREDIT): a change of either applies at once to new purchases, which record the price they were
sold at (part 2), so credits already bought keep their value. Each row also keeps the platform price it was made
under, so the history shows the Final Client Price as it was. Every function here is scoped to one workspace id,
which callers take from the session's actor, never from the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from app.core.errors import ValidationFailed
from app.core.timeutil import utcnow
from app.credit_pricing import rules
from app.credit_pricing.rules import Pack, PriceInputError
from app.credit_pricing.tables import CreditPrice
from app.settings import get_settings
from app.workspaces import plans
from app.workspaces.services import Actor
from app.workspaces.tables import Role, Workspace

FIELD = "cost_per_credit"


@dataclass(frozen=True)
class CreditPricing:
    """What a credit costs a workspace's clients: the platform's price, the agency's cost, and their sum."""

    platform_price: Decimal
    cost_per_credit: Decimal
    set_at: datetime | None = None  # None: the owner has not set a cost yet (it counts as 0)

    @property
    def final_price(self) -> Decimal:
        return self.platform_price + self.cost_per_credit

    @property
    def sellable(self) -> bool:
        """False when a credit would be free or over the ceiling: no pack can be sold at this price."""
        return 0 < self.final_price <= rules.MAX_FINAL_PRICE

    @property
    def packs(self) -> tuple[Pack, ...]:
        return rules.packs(self.final_price) if self.sellable else ()


@dataclass(frozen=True)
class Preview:
    """The live display for what the owner is typing: a pricing, or the message saying what to fix."""

    raw: str
    pricing: CreditPricing | None = None
    error: str | None = None


def platform_price() -> Decimal:
    return get_settings().platform_price_per_credit


def check_cost(raw: str | None) -> CreditPricing:
    """The pricing `raw` would give at today's platform price; ValidationFailed (on FIELD) when the rules refuse it."""
    try:
        cost = rules.parse_cost_per_credit(raw)
        rules.final_price(platform_price(), cost)
    except PriceInputError as exc:
        raise ValidationFailed({FIELD: str(exc)}) from exc
    return CreditPricing(platform_price=platform_price(), cost_per_credit=cost)


def preview(raw: str | None) -> Preview:
    """What saving `raw` would show clients, or why it can't be saved; nothing is written."""
    try:
        return Preview(raw=raw or "", pricing=check_cost(raw))
    except ValidationFailed as exc:
        return Preview(raw=raw or "", error=exc.errors[FIELD])


async def current_price(workspace_id: int) -> CreditPricing:
    """The price in force for the workspace's next purchase (cost 0 until its owner sets one).

    A purchase records the pricing it was sold at. Check `sellable` first: a later change of the platform price
    can take a saved cost to $0 or over the $10 ceiling, and then no pack is offered.
    """
    latest = (
        await CreditPrice.select(CreditPrice.cost_per_credit, CreditPrice.created_at)
        .where(CreditPrice.workspace == workspace_id)
        .order_by(CreditPrice.id, ascending=False)
        .first()
    )
    if latest is None:
        return CreditPricing(platform_price=platform_price(), cost_per_credit=Decimal(0))
    return CreditPricing(
        platform_price=platform_price(),
        cost_per_credit=Decimal(latest["cost_per_credit"]),
        set_at=latest["created_at"],
    )


async def set_cost_per_credit(actor: Actor, raw: str | None) -> CreditPricing:
    """Record a new Cost per Credit for the actor's workspace (owners on Agency); it applies at once to new purchases.

    Raises:
        PlanRequired: the workspace's plan has no Auto Billing.
        PermissionDenied: the actor is not an owner.
        ValidationFailed: the rules refuse `raw` (nothing is written).
    """
    plans.require(actor.workspace, plans.Feature.auto_billing)
    actor.require_owner("change the cost per credit")
    pricing = check_cost(raw)
    now = utcnow()
    await CreditPrice.insert(
        CreditPrice(
            workspace=actor.workspace_id,
            cost_per_credit=rules.to_text(pricing.cost_per_credit),
            platform_price_per_credit=rules.to_text(pricing.platform_price),
            set_by=actor.user.id,
            created_at=now,
        )
    )
    return CreditPricing(platform_price=pricing.platform_price, cost_per_credit=pricing.cost_per_credit, set_at=now)


async def history(workspace_id: int, limit: int = 50) -> list[dict]:
    """The workspace's changes, newest first: who, when, the cost before and after, and the final price then."""
    rows = (
        await CreditPrice.select(
            CreditPrice.id,
            CreditPrice.cost_per_credit,
            CreditPrice.platform_price_per_credit,
            CreditPrice.created_at,
            CreditPrice.set_by.email.as_alias("set_by_email"),
        )
        .where(CreditPrice.workspace == workspace_id)
        .order_by(CreditPrice.id, ascending=False)
        .limit(limit + 1)  # one more than shown: the oldest shown change needs the cost before it
    )
    changes = []
    for index, row in enumerate(rows):
        before = rows[index + 1] if index + 1 < len(rows) else None
        cost = Decimal(row["cost_per_credit"])
        changes.append(
            {
                "set_by": row["set_by_email"],
                "created_at": row["created_at"],
                "old_cost": Decimal(before["cost_per_credit"]) if before else None,
                "new_cost": cost,
                "final_price": Decimal(row["platform_price_per_credit"]) + cost,
            }
        )
    return changes[:limit]


async def preview_context(workspace_id: int, raw: str | None) -> dict:
    """The context of templates/credit_pricing/_preview.html for what the owner is typing."""
    current = await current_price(workspace_id)
    return {"credit_pricing": _preview_values(preview(raw), current)}


def _preview_values(shown: Preview, current: CreditPricing) -> dict:
    """A valid typed cost that differs from the one in force is flagged "not saved yet"."""
    differs = current.set_at is None or (
        shown.pricing is not None and shown.pricing.cost_per_credit != current.cost_per_credit
    )
    return {
        "preview": shown,
        "unsaved": shown.pricing is not None and bool(shown.raw.strip()) and differs,
        "not_set": current.set_at is None,
        "format_price": rules.format_price,
    }


async def pricing_panel(workspace_id: int, role: str, raw: str | None = None, saved: bool = False) -> dict:
    """The context of templates/credit_pricing/_panel.html for a member of the workspace.

    Everything sits under one key, `credit_pricing`, so a page that includes the panel can merge this dict into its
    own context without a name clashing. `raw` carries a typed (or refused) input back to the form and its live
    display, so the owner can fix it; `saved` says the current price was just saved.
    """
    workspace = await Workspace.objects().where(Workspace.id == workspace_id).first()
    current = await current_price(workspace_id)
    shown = rules.to_text(current.cost_per_credit) if current.set_at else ""
    typed = preview(raw) if raw is not None else Preview(raw=shown, pricing=current)
    panel = {
        **_preview_values(typed, current),
        "pricing": current,
        "can_edit": role == Role.owner.value,
        "saved": saved,
        "timezone": workspace.timezone if workspace else "UTC",
        "history": await history(workspace_id),
        "cost_input": typed.raw,
        "max_final_price": rules.MAX_FINAL_PRICE,
        "max_decimal_places": rules.MAX_DECIMAL_PLACES,
    }
    return {"credit_pricing": panel}
