"""What a sync of a stand-in account should show, computed from the stand-in's own objects.

The rules are restated here from PRODUCT.md, independently of app/stripe_data, so a browser test can
check the app's numbers against something the app did not compute.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timezone
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

# The stand-in's generator only uses these free-mail domains; they never match by domain.
FREE_MAIL = {"gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "icloud.com", "proton.me"}


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
    refunds: list[dict]

    @classmethod
    def load(cls, standin, account: str) -> "StripeData":
        def everything(collection: str) -> list[dict]:
            return standin.objects(account, collection, limit=1_000_000)

        return cls({c["id"]: c for c in everything("customers")}, everything("invoices"), everything("charges"),
                   everything("refunds"))

    def invoice_emails(self) -> dict[str, set[str]]:
        found: dict[str, set[str]] = defaultdict(set)
        for invoice in self.invoices:
            if invoice.get("customer_email"):
                found[invoice["customer"]].add(invoice["customer_email"].lower())
        return found


def _host(value: str | None) -> str:
    if not value:
        return ""
    host = (urlsplit(value).hostname if "//" in value else value.split("/")[0]) or ""
    return host.lower().removeprefix("www.")


def _claims(domain: str, client_domain: str) -> bool:
    return domain == client_domain or domain.endswith("." + client_domain)


def auto_matches(data: StripeData, clients: list[ClientSpec]) -> dict[str, str]:
    """customer id -> client name: exact email first, then a single client claiming the (non-free-mail) domain."""
    by_email = {email.lower(): spec.name for spec in clients for email in spec.emails}
    invoice_emails = data.invoice_emails()
    matched: dict[str, str] = {}
    for customer_id, customer in data.customers.items():
        emails = {(customer.get("email") or "").lower()} | invoice_emails.get(customer_id, set())
        emails.discard("")
        email_hits = {by_email[e] for e in emails if e in by_email}
        if email_hits:
            if len(email_hits) == 1:
                matched[customer_id] = email_hits.pop()
            continue
        domains = {e.rpartition("@")[2] for e in emails} | {_host(customer.get("website"))}
        domains = {d for d in domains if d and d not in FREE_MAIL}
        hits = {spec.name for spec in clients for d in domains for cd in spec.domains if _claims(d, cd)}
        if len(hits) == 1:
            matched[customer_id] = hits.pop()
    return matched


def invoices_of(data: StripeData, customer_ids: set[str]) -> int:
    return sum(1 for invoice in data.invoices if invoice["customer"] in customer_ids)


def net_revenue(data: StripeData, customer_ids: set[str]) -> dict[str, int]:
    """Succeeded, paid charges minus refunds (the larger of the charge's own figure and its refunds), per currency."""
    refunded: dict[str, int] = defaultdict(int)
    for refund in data.refunds:
        if refund.get("status") in ("succeeded", "pending"):
            refunded[refund["charge"]] += refund["amount"]
    totals: dict[str, int] = defaultdict(int)
    for charge in data.charges:
        if charge["customer"] in customer_ids and charge.get("paid") and charge.get("status") == "succeeded":
            totals[charge["currency"]] += charge["amount"] - max(charge.get("amount_refunded") or 0,
                                                                 refunded[charge["id"]])
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
