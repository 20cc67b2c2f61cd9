"""What a sync of a stand-in account should show, computed from the stand-in's objects and its generator's records.

Nothing here restates a rule of app/stripe_data: revenue comes from the fields Stripe defines on each charge, and
matches from what the generator knows about each customer (metadata `standin_client`, the demo client it really
belongs to, and `standin_kind`, how it shows up in Stripe), so a wrong rule in the app cannot also be right here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

# PRODUCT.md, Matching: an exact email, or the domain of the email or of the website kept in metadata, matches a
# client automatically. A customer the generator made to show up in Stripe in one of these ways matches the client
# it belongs to; one paying from a free-mail address or with no email at all belongs to a client but goes to review.
AUTOMATIC_EVIDENCE = {"exact_email", "duplicate_email", "domain", "subdomain", "website"}


@dataclass(frozen=True)
class ClientSpec:
    name: str
    emails: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()


@dataclass
class StripeData:
    customers: dict[str, dict]
    invoices: list[dict]
    charges: list[dict]

    @classmethod
    def load(cls, standin, account: str) -> "StripeData":
        def everything(collection: str) -> list[dict]:
            return standin.objects(account, collection, limit=1_000_000)

        return cls({c["id"]: c for c in everything("customers")}, everything("invoices"), everything("charges"))


def expected_matches(data: StripeData, clients: list[ClientSpec]) -> dict[str, str]:
    """customer id -> client name, for the customers that belong to a client and show it in their email or website."""
    names = {spec.name for spec in clients}
    matched: dict[str, str] = {}
    for customer_id, customer in data.customers.items():
        metadata = customer.get("metadata") or {}
        client = metadata.get("standin_client")
        if client is None:
            continue
        assert client in names, f"{customer_id} belongs to {client!r}, which is not one of the workspace's clients"
        if metadata.get("standin_kind") in AUTOMATIC_EVIDENCE:
            matched[customer_id] = client
    return matched


def website_of(customer: dict) -> str:
    """A customer's website: Stripe has no such field, so it lives in metadata (an older stand-in put it on top)."""
    metadata = customer.get("metadata") or {}
    return metadata.get("website") or metadata.get("url") or customer.get("website") or ""


def invoices_of(data: StripeData, customer_ids: set[str]) -> int:
    return sum(1 for invoice in data.invoices if invoice["customer"] in customer_ids)


def net_revenue(data: StripeData, customer_ids: set[str]) -> dict[str, int]:
    """Money kept from the customers' charges, per currency, in Stripe's own terms: a charge whose `status` is
    succeeded and that is `paid` brought in its `amount_captured`, of which `amount_refunded` went back."""
    totals: dict[str, int] = defaultdict(int)
    for charge in data.charges:
        if charge["customer"] in customer_ids and charge["status"] == "succeeded" and charge["paid"]:
            totals[charge["currency"]] += charge["amount_captured"] - charge["amount_refunded"]
    return dict(totals)


def days_overdue(data: StripeData, customer_ids: set[str], tz_name: str, today: date | None = None) -> int:
    """Days since the oldest unpaid open invoice fell due, counted in calendar days of the workspace's zone."""
    zone = ZoneInfo(tz_name)
    today = today or datetime.now(zone).date()
    due_days = [datetime.fromtimestamp(inv["due_date"], timezone.utc).astimezone(zone).date()
                for inv in data.invoices
                if inv["customer"] in customer_ids and inv.get("status") == "open"
                and (inv.get("amount_remaining") or 0) > 0 and inv.get("due_date")]
    overdue = [day for day in due_days if day < today]
    return (today - min(overdue)).days if overdue else 0


def currencies_of(data: StripeData, customer_id: str) -> set[str]:
    return {c["currency"] for c in data.charges if c["customer"] == customer_id} | {
        i["currency"] for i in data.invoices if i["customer"] == customer_id}
