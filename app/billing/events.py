"""The platform's webhooks about the plan subscriptions -> the workspace's plan.

Whatever the event says, the subscription is fetched again from Stripe and its latest state decides: events
arrive late, twice or out of order (Checkout sends `customer.subscription.created` as `incomplete` after Stripe has
already made it `active`), and a refetch makes every one of them end in the same place. Replays never reach this
module: `app.integrations.webhooks.store` keeps one row per event id.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from app.billing import services
from app.billing.tables import PlanSubscription
from app.core.timeutil import utcnow
from app.workspaces.plans import Plan
from app.workspaces.services import set_plan
from app.workspaces.tables import Workspace

log = logging.getLogger(__name__)

PAYING = frozenset({"active", "trialing"})
# Stripe has given up (or the customer left): the workspace is back on the free plan.
ENDED = frozenset({"canceled", "unpaid", "incomplete_expired", "paused"})


def plan_after(status: str, price_id: str, current: Plan) -> Plan:
    """The plan a subscription in `status` selling `price_id` leaves the workspace on.

    Paying -> the price's plan; past_due (Stripe is still retrying) and incomplete (not paid yet) -> unchanged;
    ended -> free. A price we don't sell changes nothing.
    """
    if status in PAYING:
        return services.plan_for_price(price_id) or current
    if status in ENDED:
        return Plan.free
    return current


def _id(value: Any) -> str:
    """An expandable field as its id, whether Stripe sent the id or the object."""
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


def subscription_named(event: dict) -> tuple[str, int | None]:
    """The subscription the event is about, and the workspace it names (Checkout's client_reference_id)."""
    obj = (event.get("data") or {}).get("object") or {}
    kind = str(event.get("type") or "")
    if kind == "checkout.session.completed":
        if obj.get("mode") != "subscription":
            return "", None
        reference = str(obj.get("client_reference_id") or "")
        return _id(obj.get("subscription")), int(reference) if reference.isdigit() else None
    if kind.startswith("customer.subscription."):
        return _id(obj.get("id")), None
    if kind.startswith("invoice."):
        details = (obj.get("parent") or {}).get("subscription_details") or {}
        return _id(details.get("subscription")), None
    return "", None


async def _workspace_for(subscription: dict, named: int | None) -> int | None:
    """Checkout's reference, else the row that already holds this subscription or customer, else our metadata."""
    candidates: list[int] = [named] if named is not None else []
    for column, value in (
        (PlanSubscription.stripe_subscription_id, subscription.get("id")),
        (PlanSubscription.stripe_customer_id, _id(subscription.get("customer"))),
    ):
        if value:
            row = await PlanSubscription.select(PlanSubscription.workspace).where(column == value).first()
            if row:
                candidates.append(row["workspace"])
    reference = str((subscription.get("metadata") or {}).get("workspace_id") or "")
    if reference.isdigit():
        candidates.append(int(reference))
    for workspace_id in candidates:
        if await Workspace.exists().where(Workspace.id == workspace_id):
            return workspace_id
    return None


async def handle(event: dict) -> None:
    """Refetch the event's subscription from Stripe and apply its latest state (a platform event only)."""
    subscription_id, named = subscription_named(event)
    if not subscription_id:
        return
    fetched_at = utcnow()  # before asking: a state fetched later is at least as new as this one
    subscription = await services.fetch_subscription(subscription_id)
    await apply(subscription, fetched_at, named, int(event.get("created") or 0))


async def apply(
    subscription: dict, fetched_at: datetime, named: int | None = None, event_created: int = 0
) -> Plan | None:
    """Record Stripe's view of the subscription, as fetched at `fetched_at`, and set the plan it implies.

    Two events handled at once (the worker runs several) each fetch the subscription; the row keeps the state
    fetched last, so a slow handler holding an older state changes nothing. Returns the plan (None: not applied).
    """
    workspace_id = await _workspace_for(subscription, named)
    if workspace_id is None:
        log.info("ignoring plan subscription %s: no workspace of ours", subscription.get("id"))
        return None
    status = str(subscription.get("status") or "")
    row = await services.subscription_of(workspace_id)
    if row is not None and row.stripe_subscription_id not in ("", subscription["id"]) and status not in PAYING:
        # An older subscription ending (or a new one not paid yet) must not undo the one the workspace pays with.
        log.info(
            "ignoring %s subscription %s: workspace %s pays with another", status, subscription["id"], workspace_id
        )
        return None
    item = ((subscription.get("items") or {}).get("data") or [{}])[0]
    price_id = _id(item.get("price"))
    period_end = item.get("current_period_end")
    values = {
        PlanSubscription.stripe_customer_id: _id(subscription.get("customer")),
        PlanSubscription.stripe_subscription_id: str(subscription["id"]),
        PlanSubscription.price_id: price_id,
        PlanSubscription.status: status,
        PlanSubscription.current_period_end: datetime.fromtimestamp(int(period_end), UTC) if period_end else None,
        PlanSubscription.cancel_at_period_end: bool(subscription.get("cancel_at_period_end")),
        PlanSubscription.last_event_created: max(event_created, row.last_event_created if row else 0),
        PlanSubscription.updated_at: fetched_at,
    }
    if row is None:
        # A blank row first (older than any fetch), so the conditional write below has one to compare with.
        await PlanSubscription.insert(
            PlanSubscription(workspace=workspace_id, updated_at=datetime.min.replace(tzinfo=UTC))
        ).on_conflict(action="DO NOTHING")
    async with PlanSubscription._meta.db.transaction():
        written = (
            await PlanSubscription.update(values)
            .where((PlanSubscription.workspace == workspace_id) & (PlanSubscription.updated_at <= fetched_at))
            .returning(PlanSubscription.id)
        )
        if not written:
            log.info(
                "ignoring subscription %s fetched at %s: a later fetch was applied", subscription["id"], fetched_at
            )
            return None
        workspace = await Workspace.objects().where(Workspace.id == workspace_id).first()
        plan = plan_after(status, price_id, Plan(workspace.plan))
        if plan.value != workspace.plan:
            log.info("workspace %s: plan %s -> %s (subscription %s)", workspace_id, workspace.plan, plan.value, status)
            await set_plan(workspace_id, plan.value)
    return plan


Handler = Callable[[dict], Awaitable[None]]

PLAN_EVENT_TYPES = (
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "invoice.paid",
    "invoice.payment_failed",
)
# The platform endpoint's handlers (`webhooks.by_endpoint` keeps them apart from the Connect endpoint's).
PLATFORM_HANDLERS: dict[str, Handler] = dict.fromkeys(PLAN_EVENT_TYPES, handle)
