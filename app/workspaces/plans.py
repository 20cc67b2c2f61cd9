"""What each ClientPulse plan costs, how many clients it holds and which features it unlocks: every feature asks here.

A feature that needs a plan is a `Feature`, and `require(workspace, feature)` is the one gate (services call it, so a
crafted request meets the same refusal as the page). Pages read labels, prices and limits from `terms(plan)`, so a
price or a limit changes in this file alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Protocol

from app.core.errors import PlanRequired


class Plan(str, Enum):
    """The plan ids stored in `Workspace.plan` (the column's choices), cheapest first."""

    free = "free"
    pro = "pro"
    agency = "agency"


class Feature(StrEnum):
    """A feature that only some plans unlock; `label` names it in the refusal."""

    stripe_connect = "stripe_connect"
    auto_billing = "auto_billing"

    @property
    def label(self) -> str:
        return _FEATURE_LABELS[self]


_FEATURE_LABELS = {Feature.stripe_connect: "Stripe Connect", Feature.auto_billing: "Auto Billing"}


@dataclass(frozen=True)
class PlanTerms:
    """One plan as the billing page and the gates see it."""

    id: Plan
    label: str
    monthly_usd: int
    # Agency is priced per agency from this floor up, so its price reads "from" (a "+" after the amount).
    price_is_floor: bool
    client_limit: int | None  # None: unlimited
    features: frozenset[Feature]
    # What the billing page lists under the price, after the client limit (or after "Everything in <builds_on>").
    highlights: tuple[str, ...]
    # The cheaper plan whose every feature this one has too.
    builds_on: Plan | None = None

    @property
    def price(self) -> str:
        if self.monthly_usd == 0:
            return "$0"
        return f"${self.monthly_usd:,}{'+' if self.price_is_floor else ''}/mo"

    @property
    def monthly_price(self) -> str:
        """What Checkout charges a month, without the floor's "+" ("$799/mo"): the price a Stripe price must match."""
        return f"${self.monthly_usd:,}/mo"

    @property
    def limit_message(self) -> str:
        """Why another active client is refused ("" when the plan has no limit)."""
        if self.client_limit is None:
            return ""
        return f"The {self.label} plan includes up to {self.client_limit} clients. Upgrade to add more."

    @property
    def bullets(self) -> list[str]:
        """What the billing page lists for the plan."""
        if self.builds_on is not None:
            first = f"Everything in {PLANS[self.builds_on].label}"
        elif self.client_limit is None:
            first = "Unlimited clients"
        else:
            first = f"Up to {self.client_limit} clients"
        return [first, *self.highlights]

    def allows(self, feature: Feature) -> bool:
        return feature in self.features


PLANS: dict[Plan, PlanTerms] = {
    terms.id: terms
    for terms in (
        PlanTerms(
            id=Plan.free,
            label="Free",
            monthly_usd=0,
            price_is_floor=False,
            client_limit=3,
            features=frozenset(),
            highlights=("Every integration",),
        ),
        PlanTerms(
            id=Plan.pro,
            label="Pro",
            monthly_usd=249,
            price_is_floor=False,
            client_limit=None,
            features=frozenset(),
            # Monday Brief and the revenue dashboards read a Stripe connection, which only Agency has: not sold here.
            highlights=("Every integration",),
        ),
        PlanTerms(
            id=Plan.agency,
            label="Agency",
            monthly_usd=799,
            price_is_floor=True,
            client_limit=None,
            features=frozenset({Feature.stripe_connect, Feature.auto_billing}),
            highlights=(
                "Stripe Connect (read your invoices)",
                "Revenue dashboards",
                "Monday Brief",
                "Auto Billing for your clients",
            ),
            builds_on=Plan.pro,
        ),
    )
}
# Every new workspace starts on this plan; the sign-up page says what it includes.
STARTING_PLAN = Plan.free
# What `python -m app set-plan` accepts, in the order the billing page shows them.
PLAN_IDS: tuple[str, ...] = tuple(plan.value for plan in PLANS)


class HasPlan(Protocol):
    plan: str


def terms(plan: Plan | str) -> PlanTerms:
    """The terms of a plan id.

    Raises:
        ValueError: not a plan id.
    """
    return PLANS[Plan(plan)]


def plan_for(workspace: HasPlan) -> PlanTerms:
    """The terms the workspace is on."""
    return terms(workspace.plan)


def client_limit(plan: Plan | str) -> int | None:
    """How many active clients the plan holds (None: no limit)."""
    return terms(plan).client_limit


def allows(plan: Plan | str, feature: Feature) -> bool:
    return terms(plan).allows(feature)


def required_message(feature: Feature) -> str:
    """The refusal a lower plan gets, naming the plans that include the feature."""
    names = [t.label for t in PLANS.values() if t.allows(feature)]
    plural = "s" if len(names) > 1 else ""
    return f"{feature.label} is only available on the {' and '.join(names)} plan{plural}"


def require(workspace: HasPlan, feature: Feature) -> None:
    """Raises PlanRequired unless the workspace's plan includes `feature`."""
    if not plan_for(workspace).allows(feature):
        raise PlanRequired(required_message(feature))
