"""The summary card caught mid-import (issue 10): every figure it shows is final or says it is still in progress, and
the matched count Y only grows.

The browser records every rendering of the card (a MutationObserver, so no poll of ours can miss one) from the
moment the owner lands back on the Integrations page until the card is final; the checks then run over all of them.
Whatever the engine (one that reports `recent_done` or one that only matches at the end), that must hold.
"""

import re

from playwright.async_api import Page, expect

from app.demo import DEMO_CLIENTS, seed_demo
from tests.e2e.pages import IntegrationsPage, LoginPage
from tests.e2e.stripe_oracle import ClientSpec, StripeData, expected_matches, invoices_of
from tests.plugins.standin import NORTHWIND_DIGITAL

# What Stripe answers in (issue 10's measurement).
STRIPE_LATENCY_MS = 150
# Invoices in the stand-in's account: enough that a concurrent engine at the default budget still takes a few polls
# of the card, few enough that the test stays short.
INVOICES = 2000
SYNC_TIMEOUT_MS = 25_000

# Each distinct rendering of the card, as the browser showed it.
RECORD_CARD = """() => {
    window.__cards = [];
    const record = () => {
        const card = document.querySelector('[data-testid=summary-card]');
        if (!card) return;
        const h2 = card.querySelector('[data-testid=summary-text]');
        const seen = {
            state: card.dataset.state,
            text: card.innerText.replace(/\\s+/g, ' ').trim(),
            found: h2.dataset.found === undefined ? null : Number(h2.dataset.found),
            matched: h2.dataset.matched === undefined ? null : Number(h2.dataset.matched),
        };
        const last = window.__cards[window.__cards.length - 1];
        if (!last || last.text !== seen.text || last.state !== seen.state) window.__cards.push(seen);
    };
    record();
    new MutationObserver(record).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""

MATCHING = re.compile(r"^We found [\d,]+ invoices? so far, matching them to clients…")
GROWING = re.compile(
    r"^We found [\d,]+ invoices?, matched [\d,]+ to clients so far .*(Still importing older history|Still syncing)"
)


async def test_the_card_mid_import_labels_every_unfinished_figure_and_y_only_grows(page: Page, stripe_for_server):
    standin = stripe_for_server
    standin.reset(scale=INVOICES)
    await seed_demo()
    data = StripeData.load(standin, NORTHWIND_DIGITAL)
    specs = [ClientSpec(name, tuple(emails), tuple(domains)) for name, emails, domains in DEMO_CLIENTS]
    final_x, final_y = len(data.invoices), invoices_of(data, set(expected_matches(data, specs)))

    await (await LoginPage(page).open()).log_in("owner@demo.test", "demo-password")
    consent = await (await IntegrationsPage(page).open()).connect_stripe()
    await consent.pick_account("Northwind Digital")
    standin.set_faults(latency_ms=STRIPE_LATENCY_MS)
    await consent.connect()
    await expect(page).to_have_url("/dashboard/integrations?connected=stripe")
    await page.evaluate(RECORD_CARD)
    card = page.get_by_test_id("summary-card")
    await expect(card).to_have_attribute("data-state", "final", timeout=SYNC_TIMEOUT_MS)
    standin.clear_faults()

    seen = await page.evaluate("window.__cards")
    assert any(s["state"] != "final" for s in seen), f"the card was never seen mid-import: {seen}"
    for s in seen:
        if s["state"] == "matching":
            assert MATCHING.match(s["text"]) and s["matched"] is None, f"a Y before matching: {s}"
        elif s["state"] == "importing":
            assert GROWING.match(s["text"]) and s["matched"] is not None, f"growing figures not labelled: {s}"
        else:
            assert s["state"] == "final", f"unexpected state: {s}"
            assert (s["found"], s["matched"]) == (final_x, final_y), f"a figure shown as final is not: {s}"
            assert s["text"].startswith(f"We found {final_x:,} invoices, matched {final_y:,} to clients ")
    ys = [s["matched"] for s in seen if s["matched"] is not None]
    xs = [s["found"] for s in seen]
    assert ys == sorted(ys), f"Y went down: {ys}"
    assert xs == sorted(xs), f"X went down: {xs}"
