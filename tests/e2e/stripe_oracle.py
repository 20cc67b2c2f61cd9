"""What a sync of a stand-in account should show, computed from the stand-in's objects and its generator's records.

Nothing here restates a rule of app/stripe_data: revenue comes from the fields Stripe defines on each charge, and
matches from what the generator knows about each customer (metadata `standin_client`, the demo client it really
belongs to, and `standin_kind`, how it shows up in Stripe), so a wrong rule in the app cannot also be right here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
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
    def load(cls, standin, account: str) -> StripeData:
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


def overdue_badge(data: StripeData, customer_ids: set[str], tz_name: str, now: datetime | None = None) -> str | None:
    """The customers' oldest overdue invoice in words, or None. From Stripe's invoice fields (PRODUCT.md, Revenue
    insights): an open invoice with `amount_remaining` left is overdue when it was sent (`collection_method`
    send_invoice) and its `due_date` fell on a day before today, or when Stripe charges it (charge_automatically,
    no due date) and `attempt_count` says a payment attempt failed; lateness then runs from
    `status_transitions.finalized_at`. Calendar days are the workspace zone's."""
    zone = ZoneInfo(tz_name)
    now = now or datetime.now(UTC)
    today = now.astimezone(zone).date()

    def day(unix: int) -> date:
        return datetime.fromtimestamp(unix, UTC).astimezone(zone).date()

    late: list[tuple[int, str, dict]] = []  # (since, kind, invoice)
    for inv in data.invoices:
        if inv["customer"] not in customer_ids or inv["status"] != "open" or inv["amount_remaining"] <= 0:
            continue
        if inv["collection_method"] == "send_invoice" and day(inv["due_date"]) < today:
            late.append((inv["due_date"], "sent", inv))
        elif inv["collection_method"] == "charge_automatically" and inv["attempt_count"] >= 1:
            late.append((inv["status_transitions"]["finalized_at"], "charged", inv))
    if not late:
        return None
    since, kind, inv = min(late, key=lambda item: (item[0], item[2]["id"]))
    days = (today - day(since)).days
    count = f"{days} {'day' if days == 1 else 'days'}"
    if kind == "sent":
        return f"Invoice {count} overdue"
    text = "Payment failed " + ("today" if days == 0 else f"{count} ago")
    retry = inv.get("next_payment_attempt")
    if retry and retry > now.timestamp():
        text += f", retrying on {day(retry).strftime('%d %b %Y')}"
    return text


def currencies_of(data: StripeData, customer_id: str) -> set[str]:
    return {c["currency"] for c in data.charges if c["customer"] == customer_id} | {
        i["currency"] for i in data.invoices if i["customer"] == customer_id
    }
