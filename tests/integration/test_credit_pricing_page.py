"""Auto Billing → credit pricing: Agency owners set the Cost per Credit, see the client price live, and its history."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.core.errors import PermissionDenied, PlanRequired
from app.credit_pricing import services
from app.credit_pricing.tables import CreditPrice
from app.workspaces.services import set_plan
from tests.conftest import login, post_form

PAGE = "/dashboard/auto-billing/pricing"
PREVIEW = f"{PAGE}/preview"
HTMX = [False, True]
HTMX_IDS = ["plain", "htmx"]


@pytest.fixture(name="agency_alice")
async def fx_agency_alice(alice):
    alice.workspace = await set_plan(alice.workspace.id, "agency")
    return alice


async def _rows(workspace_id: int) -> list[dict]:
    return await CreditPrice.select().where(CreditPrice.workspace == workspace_id).order_by(CreditPrice.id)


def _is_page(text: str) -> bool:
    return "<html" in text


@pytest.mark.parametrize("htmx", HTMX, ids=HTMX_IDS)
async def test_the_page_shows_the_platform_price_the_form_and_no_history_yet(client, agency_alice, htmx):
    await login(client, agency_alice)
    response = await client.get(PAGE, headers={"HX-Request": "true"} if htmx else {})
    assert response.status_code == 200 and _is_page(response.text) is not htmx
    assert response.headers["vary"] == "HX-Request"
    assert 'id="credit-pricing"' in response.text and 'data-testid="pricing-form"' in response.text
    assert 'data-testid="platform-price">$0.001<' in response.text
    assert '<label for="cost-per-credit">Cost per Credit</label>' in response.text
    assert "Final Client Price" in response.text and "$10 = 10,000 credits" in response.text
    assert 'data-testid="no-pricing-history"' in response.text
    assert '<h2 id="credit-pricing-title">Client Credit Pricing</h2>' in response.text
    assert "Define how much your clients pay per credit used. Dollars per credit" in response.text
    assert "Display final credit pricing transparently to your customers." in response.text


@pytest.mark.parametrize("htmx", HTMX, ids=HTMX_IDS)
async def test_a_preview_shows_the_final_price_and_packs_without_saving(client, agency_alice, htmx):
    await login(client, agency_alice)
    response = await post_form(client, PREVIEW, {"cost_per_credit": "0.003"}, htmx=htmx)
    assert response.status_code == 200 and _is_page(response.text) is not htmx
    assert 'data-testid="final-price">$0.004<' in response.text
    assert "$10 = 2,500 credits" in response.text and "$100 = 25,000 credits" in response.text
    assert "Not saved yet" in response.text
    if htmx:
        assert response.text.lstrip().startswith('<div id="credit-pricing-preview"')
        assert 'data-testid="pricing-form"' not in response.text and 'id="credit-pricing"' not in response.text
    else:
        assert 'value="0.003"' in response.text  # the typed cost stays in the form
    assert await _rows(agency_alice.workspace.id) == []


@pytest.mark.parametrize("htmx", HTMX, ids=HTMX_IDS)
async def test_saving_records_who_set_what_and_applies_at_once(client, agency_alice, htmx):
    await login(client, agency_alice)
    response = await post_form(client, PAGE, {"cost_per_credit": " 0.003 "}, htmx=htmx)
    assert response.status_code == 200 and _is_page(response.text) is not htmx
    assert 'data-testid="pricing-saved"' in response.text and "New purchases cost $0.004 a credit" in response.text
    [row] = await _rows(agency_alice.workspace.id)
    assert (row["cost_per_credit"], row["platform_price_per_credit"]) == ("0.003", "0.001")
    assert row["set_by"] == agency_alice.user.id
    price = await services.current_price(agency_alice.workspace.id)
    assert (price.platform_price, price.cost_per_credit, price.final_price) == (
        Decimal("0.001"),
        Decimal("0.003"),
        Decimal("0.004"),
    )
    if htmx:
        assert response.headers["hx-trigger"] == "credit-pricing:saved"
    history = response.text.split('data-testid="pricing-history"')[1]
    assert "alice@alice-agency.com" in history and "not set → <strong>$0.003</strong>" in history


async def test_the_history_lists_each_change_newest_first_with_who_when_and_old_to_new(client, agency_alice):
    await services.set_cost_per_credit(agency_alice.actor, "0.003")
    await services.set_cost_per_credit(agency_alice.actor, "0.005")
    await login(client, agency_alice)
    page = (await client.get(PAGE)).text
    changes = page.split('data-testid="pricing-change"')[1:]
    assert len(changes) == 2
    assert "$0.003 → <strong>$0.005</strong>" in changes[0] and "Final Client Price $0.006" in changes[0]
    assert "not set → <strong>$0.003</strong>" in changes[1]
    [first, second] = await _rows(agency_alice.workspace.id)
    assert f'datetime="{second["created_at"].isoformat()}"' in changes[0]
    assert first["created_at"].strftime("%d %b %Y, %H:%M") in changes[1]  # in the workspace's time zone (UTC)
    assert all("alice@alice-agency.com" in change for change in changes)
    assert 'value="0.005"' in page


EDGE_CASES = [
    ("-0.003", "can&#39;t be negative"),
    ("", "Enter a cost per credit, like 0.003"),
    ("abc", "Enter a number of dollars, like 0.003"),
    ("1e3", "1e3 is scientific notation"),
    ("0.0000001", "at most 6 decimal places"),
    ("1000", "the $10 pack would buy nothing"),
    ("9" * 5000, "too long for a price"),
]


@pytest.mark.parametrize("htmx", HTMX, ids=HTMX_IDS)
@pytest.mark.parametrize(("raw", "message"), EDGE_CASES, ids=[m.split()[-1] for _, m in EDGE_CASES])
async def test_a_bad_cost_is_refused_with_a_clear_message_and_no_row(client, agency_alice, raw, message, htmx):
    await login(client, agency_alice)
    response = await post_form(client, PAGE, {"cost_per_credit": raw}, htmx=htmx)
    assert response.status_code == 422 and _is_page(response.text) is not htmx
    assert message in response.text and 'id="cost-per-credit-error"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert await _rows(agency_alice.workspace.id) == []
    preview = await post_form(client, PREVIEW, {"cost_per_credit": raw}, htmx=True)
    assert preview.status_code == 200 and message in preview.text and 'data-testid="final-price"' not in preview.text


async def test_a_bad_cost_leaves_the_price_in_force_unchanged(client, agency_alice):
    await services.set_cost_per_credit(agency_alice.actor, "0.003")
    await login(client, agency_alice)
    response = await post_form(client, PAGE, {"cost_per_credit": "-1"})
    assert response.status_code == 422 and len(await _rows(agency_alice.workspace.id)) == 1
    assert (await services.current_price(agency_alice.workspace.id)).cost_per_credit == Decimal("0.003")


@pytest.mark.parametrize(
    ("raw", "final", "ten_dollars"), [("0", "$0.001", "10,000"), ("0.000001", "$0.001001", "9,990")]
)
async def test_zero_and_a_millionth_are_valid_costs(client, agency_alice, raw, final, ten_dollars):
    await login(client, agency_alice)
    response = await post_form(client, PAGE, {"cost_per_credit": raw}, htmx=True)
    assert response.status_code == 200 and f"New purchases cost {final} a credit" in response.text
    assert f"$10 = {ten_dollars} credits" in response.text
    [row] = await _rows(agency_alice.workspace.id)
    assert row["cost_per_credit"] == raw


async def test_with_a_free_platform_price_a_zero_cost_is_refused_instead_of_dividing_by_zero(
    client, agency_alice, monkeypatch
):
    monkeypatch.setattr(services, "platform_price", lambda: Decimal(0))
    await login(client, agency_alice)
    page = await client.get(PAGE)
    assert page.status_code == 200 and 'data-testid="not-sellable"' in page.text
    response = await post_form(client, PAGE, {"cost_per_credit": "0"}, htmx=True)
    assert response.status_code == 422 and "credits free" in response.text
    assert await _rows(agency_alice.workspace.id) == []
    assert (await services.current_price(agency_alice.workspace.id)).packs == ()


async def test_a_teammate_sees_the_price_and_history_read_only_and_cannot_change_it(client, agency_alice, bob):
    await services.set_cost_per_credit(agency_alice.actor, "0.003")
    await login(client, bob)
    page = await client.get(PAGE)
    assert page.status_code == 200 and 'data-testid="pricing-form"' not in page.text
    assert 'data-testid="owners-only"' in page.text and 'data-testid="current-cost">$0.003<' in page.text
    assert "$10 = 2,500 credits" in page.text and "alice@alice-agency.com" in page.text
    for url in (PAGE, PREVIEW):
        for htmx in HTMX:
            refused = await post_form(client, url, {"cost_per_credit": "0.009"}, htmx=htmx)
            assert refused.status_code == 403
    assert len(await _rows(agency_alice.workspace.id)) == 1


@pytest.mark.parametrize("plan", ["free", "pro"])
async def test_below_agency_every_route_is_refused_with_the_plan_message(client, alice, plan):
    await set_plan(alice.workspace.id, plan)
    await login(client, alice)
    page = await client.get(PAGE)
    assert page.status_code == 403 and "Auto Billing is only available on the Agency plan" in page.text
    for url in (PAGE, PREVIEW):
        refused = await post_form(client, url, {"cost_per_credit": "0.003"})
        assert refused.status_code == 403
        toast = await post_form(client, url, {"cost_per_credit": "0.003"}, htmx=True)
        assert toast.status_code == 403 and "Agency plan" in toast.headers["hx-trigger"]
    assert await _rows(alice.workspace.id) == []


async def test_each_workspace_sees_and_sets_only_its_own_price(client, agency_alice, charlie):
    await set_plan(charlie.workspace.id, "agency")
    await services.set_cost_per_credit(agency_alice.actor, "0.003")
    await login(client, charlie)
    page = await client.get(PAGE)
    assert "alice@alice-agency.com" not in page.text and 'data-testid="no-pricing-history"' in page.text
    await post_form(client, PAGE, {"cost_per_credit": "0.007"})
    assert (await services.current_price(agency_alice.workspace.id)).cost_per_credit == Decimal("0.003")
    assert (await services.current_price(charlie.workspace.id)).cost_per_credit == Decimal("0.007")


async def test_anonymous_visitors_are_sent_to_log_in(client):
    response = await client.get(PAGE, follow_redirects=False)
    assert response.status_code == 302 and response.headers["location"].startswith("/login")


async def test_the_service_itself_refuses_a_teammate_and_a_workspace_below_agency(agency_alice, bob, charlie):
    with pytest.raises(PermissionDenied, match="Only a workspace owner can change the cost per credit"):
        await services.set_cost_per_credit(bob.actor, "0.003")
    with pytest.raises(PlanRequired, match="Auto Billing is only available on the Agency plan"):
        await services.set_cost_per_credit(charlie.actor, "0.003")
    assert await CreditPrice.count() == 0
