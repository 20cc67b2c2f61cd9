"""A new owner's first sync, as the setup guide's "Verify it's working" describes: connect, watch the progress,
read the summary card, review the unmatched customers, and find overdue badges and revenue on the clients page.

Every expected number comes from the stand-in's objects and its generator's records of who belongs to which client
(tests/e2e/stripe_oracle.py), never from constants or from the app's own rules.
"""

from decimal import Decimal

from playwright.async_api import Page, expect

from app.demo import DEMO_CLIENTS, seed_demo
from tests.e2e.pages import ClientsPage, IntegrationsPage, LoginPage, ReviewUnmatchedPage, SyncProgress
from tests.e2e.stripe_oracle import (
    ClientSpec,
    StripeData,
    currencies_of,
    expected_matches,
    invoices_of,
    net_revenue,
    overdue_badge,
    website_of,
)
from tests.plugins.standin import NORTHWIND_DIGITAL

# Slow enough that at least one 2-second poll lands while the sync is still reading.
STRIPE_LATENCY_MS = 500
STREAMS = {
    "customers": "customers",
    "subscriptions": "subscriptions",
    "invoices": "invoices",
    "charges": "charges",
    "refunds": "refunds",
}
NO_RELOAD = "window.__sameDocument = true"


def _choose(data: StripeData, unmatched: list[str], client_names: set[str]) -> dict[str, list[str]]:
    """Pick customers for each review action so that every later check means something."""
    usd_only = [c for c in unmatched if currencies_of(data, c) == {"usd"}]
    overdue = [c for c in usd_only if overdue_badge(data, {c}, "America/New_York") and data.customers[c].get("email")]
    # No email or website: the new client gets only a name, so creating it cannot pull in other customers.
    bare = [
        c
        for c in usd_only
        if not data.customers[c].get("email")
        and not website_of(data.customers[c])
        and data.customers[c]["name"] not in client_names
    ]
    assert overdue and bare, "the seeded account should have an overdue and a bare unmatched customer"
    mapped, created = overdue[0], bare[0]
    rest = [c for c in usd_only if c not in (mapped, created)]
    ignored = next(c for c in unmatched if c not in (mapped, created, *rest[:2]))
    return {"map": [mapped], "create": [created], "ignore": [ignored], "bulk": rest[:2]}


def _usd(minor: int) -> str:
    return f"${Decimal(minor).scaleb(-2):,.2f}"


async def test_connecting_syncs_matches_and_the_review_leads_to_overdue_badges(page: Page, stripe_for_server):
    standin = stripe_for_server
    workspace = await seed_demo()
    specs = [ClientSpec(name, tuple(emails), tuple(domains)) for name, emails, domains in DEMO_CLIENTS]
    data = StripeData.load(standin, NORTHWIND_DIGITAL)
    auto = expected_matches(data, specs)

    await (await LoginPage(page).open()).log_in("owner@demo.test", "demo-password")
    integrations = await IntegrationsPage(page).open()
    consent = await integrations.connect_stripe()
    await consent.pick_account("Northwind Digital")
    standin.set_faults(latency_ms=STRIPE_LATENCY_MS)
    await consent.connect()
    await expect(page).to_have_url("/dashboard/integrations?connected=stripe")
    await page.evaluate(NO_RELOAD)

    progress = SyncProgress(page)
    await progress.wait_until_partway()
    await expect(progress.box).to_have_attribute("data-status", "done", timeout=60_000)
    for testid, collection in STREAMS.items():
        total = len(standin.objects(NORTHWIND_DIGITAL, collection, limit=1_000_000))
        await expect(progress.stream(testid)).to_have_attribute("data-count", str(total))
    standin.clear_faults()

    found, matched = len(data.invoices), invoices_of(data, set(auto))
    await expect(page.get_by_test_id("summary-text")).to_have_text(
        f"We found {found:,} invoices, matched {matched:,} to clients"
    )
    assert await page.evaluate("window.__sameDocument === true"), "progress and summary arrived without a reload"

    await page.get_by_test_id("review-unmatched").click()
    review = ReviewUnmatchedPage(page)
    unmatched = sorted(set(data.customers) - set(auto))
    await expect(review.unmatched).to_have_text(str(len(unmatched)))
    assert await review.listed_customers() == set(unmatched)
    await page.evaluate(NO_RELOAD)

    client_names = {spec.name for spec in specs}
    unclaimed = sorted(client_names - set(auto.values()))
    picks = _choose(data, unmatched, client_names)
    await review.map_to(picks["map"][0], unclaimed[0])
    await review.create_client_from(picks["create"][0])
    await review.ignore(picks["ignore"][0])
    await expect(review.unmatched).to_have_text(str(len(unmatched) - 3))
    await review.bulk_map(picks["bulk"], unclaimed[1])
    await expect(review.unmatched).to_have_text(str(len(unmatched) - 5))
    await expect(review.matched).to_have_text(str(len(auto) + 4))
    await expect(review.ignored).to_have_text("1")
    for customer_id in picks["bulk"]:
        await expect(page.locator(f'[data-customer="{customer_id}"]')).to_have_count(0)
    assert await page.evaluate("window.__sameDocument === true"), "every review action swapped rows in place"

    created_name = data.customers[picks["create"][0]]["name"]
    final = {
        **auto,
        picks["map"][0]: unclaimed[0],
        picks["create"][0]: created_name,
        **dict.fromkeys(picks["bulk"], unclaimed[1]),
    }
    await _check_clients_page(page, data, final, sorted(client_names | {created_name}), workspace.timezone)


async def _check_clients_page(
    page: Page, data: StripeData, final: dict[str, str], names: list[str], tz_name: str
) -> None:
    clients = await ClientsPage(page).open()
    overdue_seen = 0
    for name in names:
        customers = {c for c, client in final.items() if client == name}
        row = clients.rows.filter(has=page.get_by_test_id("client-name").get_by_text(name, exact=True))
        badge = overdue_badge(data, customers, tz_name)
        if badge:
            overdue_seen += 1
            await expect(row.get_by_test_id("overdue-badge")).to_have_text(badge)
        else:
            await expect(row.get_by_test_id("overdue-badge")).to_have_count(0)
        revenue = net_revenue(data, customers)
        if customers and set(revenue) <= {"usd"}:
            await expect(row.get_by_test_id("client-revenue")).to_have_text(_usd(revenue.get("usd", 0)))
    assert overdue_seen >= 2, "the mapped clients should bring overdue invoices with them"
