"""Review unmatched: the grid, map / create / ignore per row, bulk actions, fragments vs pages, tenant isolation."""

from __future__ import annotations

import pytest

from app.clients.tables import Client
from app.stripe_data.matching import rematch
from app.stripe_data.tables import CustomerMatch
from app.workspaces.services import set_plan
from tests import factories as f
from tests.conftest import login, post_form

GRID = "/dashboard/integrations/stripe/unmatched"


async def _grid(alice):
    ws = alice.workspace.id
    acme = await f.client(ws, "Acme Rockets", domains=("acme.com",))
    twin = await f.client(ws, "Acme Twin", domains=("acme.com",))
    lone = await f.customer(ws, email="pay@lonely.io", name="Lonely Ltd")
    await f.invoice(lone, total=12_345, currency="eur")
    await f.invoice(lone, total=1_000, currency="eur")
    ambiguous = await f.customer(ws, email="x@acme.com", name="Acme Something")
    free = await f.customer(ws, email="jo@gmail.com", name="<script>alert(1)</script>")
    await rematch(ws, f.ACCOUNT)
    return acme, twin, lone, ambiguous, free


async def _decision(cust) -> CustomerMatch:
    return await CustomerMatch.objects().where(CustomerMatch.customer_id == cust.stripe_id).first()


async def test_the_grid_lists_unmatched_customers_with_totals_suggestions_and_escaped_names(client, alice):
    _acme, _twin, _lone, _ambiguous, _free = await _grid(alice)
    await login(client, alice)
    page = await client.get(GRID)
    assert page.status_code == 200 and page.text.count('data-testid="unmatched-row"') == 3
    assert "€133.45" in page.text and "Lonely Ltd" in page.text
    assert "Acme Rockets" in page.text and "Acme Twin" in page.text and "Ambiguous: domain acme.com" in page.text
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text
    assert 'id="unmatched-counts"' in page.text and "hx-swap-oob" not in page.text


async def test_a_teammate_may_review_too(client, alice, bob):
    await _grid(alice)
    await login(client, bob)
    assert (await client.get(GRID)).status_code == 200


async def test_search_returns_only_the_rows_fragment_for_htmx(client, alice):
    _, _, lone, ambiguous, _ = await _grid(alice)
    await login(client, alice)
    fragment = await client.get(GRID, params={"q": "lonely"}, headers={"HX-Request": "true"})
    text = fragment.text
    assert fragment.status_code == 200 and text.lstrip().startswith('<section class="panel" id="unmatched-rows"')
    # The matching customer's row, with its invoice total and its three actions...
    assert text.count('data-testid="unmatched-row"') == 1 and f'data-customer="{lone.stripe_id}"' in text
    assert '<span data-testid="customer-name">Lonely Ltd</span>' in text and "pay@lonely.io" in text
    assert "€133.45" in text
    for action in ("map", "create", "ignore"):
        assert f'hx-post="{GRID}/{lone.stripe_id}/{action}"' in text, action
    assert ambiguous.stripe_id not in text and "Acme Something" not in text
    # ...the counts out of band, and nothing of the page around the grid.
    assert 'id="unmatched-counts"' in text and 'hx-swap-oob="true"' in text
    for layout in (
        "<html",
        "<body",
        '<main id="main"',
        'data-testid="toasts"',
        "Review unmatched Stripe customers",
        'data-testid="unmatched-search"',
        'data-testid="bulk-form"',
        'id="client-options"',
    ):
        assert layout not in text, layout


async def test_it_maps_a_customer_by_hand_and_the_mapping_survives_rematch(client, alice):
    acme, _, lone, *_ = await _grid(alice)
    await login(client, alice)
    response = await post_form(
        client, f"{GRID}/{lone.stripe_id}/map", {"client": f"Acme Rockets #{acme.id}"}, htmx=True
    )
    assert response.status_code == 200 and 'data-state="mapped"' in response.text
    assert 'id="unmatched-counts"' in response.text and 'hx-swap-oob="true"' in response.text
    assert "<html" not in response.text
    await rematch(alice.workspace.id, f.ACCOUNT)
    row = await _decision(lone)
    assert (row.client, row.method) == (acme.id, "manual") and "mapped by" in row.reason


async def test_mapping_without_javascript_redirects_back_to_the_grid(client, alice):
    acme, _, lone, *_ = await _grid(alice)
    await login(client, alice)
    response = await post_form(
        client, f"{GRID}/{lone.stripe_id}/map", {"client": "acme rockets"}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == GRID
    assert (await _decision(lone)).client == acme.id


async def test_an_unknown_client_name_is_a_clear_422(client, alice):
    _, _, lone, *_ = await _grid(alice)
    await login(client, alice)
    response = await post_form(client, f"{GRID}/{lone.stripe_id}/map", {"client": "Nobody"}, htmx=True)
    assert response.status_code == 422 and "Pick a client from the list" in response.headers["HX-Trigger"]


async def test_a_client_id_no_row_could_have_is_a_404_not_a_500(client, alice):
    _, _, lone, *_ = await _grid(alice)
    await login(client, alice)
    before = await _decision(lone)
    for picked in ("Acme Rockets #99999999999999999999", "99999999999999999999", "#0"):
        response = await post_form(client, f"{GRID}/{lone.stripe_id}/map", {"client": picked}, htmx=True)
        assert response.status_code == 404, picked
    after = await _decision(lone)
    assert (after.to_dict() if after else None) == (before.to_dict() if before else None)


async def test_it_ignores_a_customer_with_and_without_htmx(client, alice):
    _, _, lone, ambiguous, _ = await _grid(alice)
    await login(client, alice)
    response = await post_form(client, f"{GRID}/{lone.stripe_id}/ignore", htmx=True)
    assert 'data-state="ignored"' in response.text and "<html" not in response.text
    plain = await post_form(client, f"{GRID}/{ambiguous.stripe_id}/ignore", follow_redirects=False)
    assert plain.status_code == 303
    assert (await _decision(lone)).ignored and (await _decision(ambiguous)).ignored
    page = await client.get(GRID)
    assert page.text.count('data-testid="unmatched-row"') == 1


async def test_it_creates_a_client_from_a_customer_and_maps_it(client, alice):
    _, _, lone, *_ = await _grid(alice)
    await set_plan(alice.workspace.id, "pro")
    await login(client, alice)
    response = await post_form(
        client,
        f"{GRID}/{lone.stripe_id}/create",
        {"name": "Lonely Ltd", "email": "pay@lonely.io", "domain": "lonely.io"},
        htmx=True,
    )
    assert response.status_code == 200 and 'data-state="mapped"' in response.text
    created = await Client.objects().where(Client.name == "Lonely Ltd").first()
    assert (await _decision(lone)).client == created.id


async def test_creating_a_client_obeys_the_free_plan_limit(client, alice):
    _, _, lone, *_ = await _grid(alice)
    await f.client(alice.workspace.id, "Third")  # Free plan: 3 active clients already
    await login(client, alice)
    response = await post_form(client, f"{GRID}/{lone.stripe_id}/create", {"name": "Lonely"}, htmx=True)
    assert response.status_code == 403 and "Free plan" in response.headers["HX-Trigger"]
    page = await post_form(client, f"{GRID}/{lone.stripe_id}/create", {"name": "Lonely"})
    assert page.status_code == 403 and "/dashboard/billing" in page.text


async def test_bulk_map_and_bulk_ignore(client, alice):
    acme, _, lone, ambiguous, free = await _grid(alice)
    await login(client, alice)
    response = await post_form(
        client,
        f"{GRID}/bulk",
        {"action": "map", "client": f"#{acme.id}", "customer_ids": [lone.stripe_id, ambiguous.stripe_id]},
        htmx=True,
    )
    assert (
        response.status_code == 200 and 'id="unmatched-rows"' in response.text and "Mapped 2 customers" in response.text
    )
    assert response.text.count('data-testid="unmatched-row"') == 1 and 'hx-swap-oob="true"' in response.text
    plain = await post_form(
        client, f"{GRID}/bulk", {"action": "ignore", "customer_ids": free.stripe_id}, follow_redirects=False
    )
    assert plain.status_code == 303
    assert (await _decision(free)).ignored and (await _decision(lone)).client == acme.id


async def test_the_client_picker_searches_for_htmx_and_sends_people_to_the_grid_otherwise(client, alice):
    await _grid(alice)
    await login(client, alice)
    options = await client.get(f"{GRID}/clients", params={"client": "twin"}, headers={"HX-Request": "true"})
    assert "Acme Twin #" in options.text and "Acme Rockets" not in options.text
    plain = await client.get(f"{GRID}/clients", params={"q": "twin"}, follow_redirects=False)
    assert plain.status_code == 303


@pytest.mark.parametrize("action", ["map", "ignore", "create"])
async def test_another_workspaces_customer_is_not_found_on_every_action(client, alice, charlie, action):
    acme, *_ = await _grid(alice)
    theirs = await f.customer(charlie.workspace.id, email="secret@charlie.co", stripe_id="cus_charlie_secret")
    await login(client, alice)
    data = {"client": f"#{acme.id}", "name": "X"}
    response = await post_form(client, f"{GRID}/{theirs.stripe_id}/{action}", data, htmx=True)
    assert response.status_code == 404
    bulk = await post_form(
        client,
        f"{GRID}/bulk",
        {"action": action if action != "create" else "map", "client": f"#{acme.id}", "customer_ids": theirs.stripe_id},
    )
    assert bulk.status_code == 404
    assert not await CustomerMatch.exists().where(CustomerMatch.customer_id == theirs.stripe_id)


async def test_mapping_to_another_workspaces_client_is_not_found(client, alice, charlie):
    _, _, lone, *_ = await _grid(alice)
    theirs = await f.client(charlie.workspace.id, "Charlie Client")
    await login(client, alice)
    response = await post_form(client, f"{GRID}/{lone.stripe_id}/map", {"client": f"#{theirs.id}"}, htmx=True)
    assert response.status_code == 404
