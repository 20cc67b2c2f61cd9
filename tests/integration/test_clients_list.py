"""The clients list: empty states, search, status filter, sort, pagination, full page versus fragment."""

from app.clients.services import ClientInput, archive_client, create_client
from app.workspaces.services import Actor, set_plan
from tests.conftest import login

HX = {"HX-Request": "true"}


async def _pro(persona) -> Actor:
    workspace = await set_plan(persona.workspace.id, "pro")
    return Actor(user=persona.user, workspace=workspace, role=persona.role)


def _names(response) -> list[str]:
    return [chunk.split("</a>", 1)[0] for chunk in response.text.split('data-testid="client-name">')[1:]]


async def test_it_invites_a_new_workspace_to_add_or_import_clients(client, alice):
    await login(client, alice)
    page = await client.get("/dashboard/clients")
    assert 'data-testid="no-clients"' in page.text
    assert 'href="/dashboard/clients/new"' in page.text and 'href="/dashboard/clients/import"' in page.text


async def test_it_lists_clients_with_placeholder_revenue_columns(client, alice):
    await create_client(alice.actor, ClientInput(name="Acme", emails=["ops@acme.com"], domains=["bücher.example"]))
    await login(client, alice)
    page = await client.get("/dashboard/clients")
    assert page.text.count('data-testid="client-row"') == 1
    assert "ops@acme.com" in page.text and "bücher.example" in page.text
    assert "Lifetime revenue" in page.text and "MRR" in page.text and "Last invoice" in page.text


async def test_it_searches_by_name_email_or_domain_case_insensitively(client, alice):
    actor = await _pro(alice)
    await create_client(actor, ClientInput(name="Acme Rockets"))
    await create_client(actor, ClientInput(name="Bluebird", emails=["Hello@Bluebird.co.uk"]))
    await create_client(actor, ClientInput(name="Copperleaf", domains=["copperleaf-dental.com"]))
    await login(client, alice)
    for q, expected in (("ROCKET", "Acme Rockets"), ("hello@blue", "Bluebird"), ("LEAF-DENT", "Copperleaf")):
        page = await client.get("/dashboard/clients", params={"q": q})
        assert _names(page) == [expected], q


async def test_it_says_when_nothing_matches_and_offers_to_clear_the_search(client, alice):
    await create_client(alice.actor, ClientInput(name="Acme"))
    await login(client, alice)
    page = await client.get("/dashboard/clients", params={"q": "zzz"})
    assert "No clients match ‘zzz’." in page.text
    assert 'data-testid="clear-search"' in page.text


async def test_it_answers_htmx_searches_with_the_list_fragment_only(client, alice):
    await create_client(alice.actor, ClientInput(name="Acme"))
    await login(client, alice)
    full = await client.get("/dashboard/clients", params={"q": "acme"})
    fragment = await client.get("/dashboard/clients", params={"q": "acme"}, headers=HX)
    assert "<html" in full.text and 'id="client-list"' in full.text
    assert "<html" not in fragment.text and fragment.text.lstrip().startswith('<section class="panel" id="client-list"')
    assert fragment.headers["Vary"] == "HX-Request"


async def test_it_filters_by_status(client, alice):
    acme = await create_client(alice.actor, ClientInput(name="Acme"))
    await create_client(alice.actor, ClientInput(name="Bluebird"))
    await archive_client(alice.actor, acme.id)
    await login(client, alice)
    assert _names(await client.get("/dashboard/clients")) == ["Bluebird"]
    assert _names(await client.get("/dashboard/clients?status=archived")) == ["Acme"]
    assert _names(await client.get("/dashboard/clients?status=all")) == ["Acme", "Bluebird"]


async def test_it_sorts_by_name_or_newest(client, alice):
    actor = await _pro(alice)
    for name in ("bravo", "Alpha", "charlie"):
        await create_client(actor, ClientInput(name=name))
    await login(client, alice)
    assert _names(await client.get("/dashboard/clients?sort=name")) == ["Alpha", "bravo", "charlie"]
    assert _names(await client.get("/dashboard/clients?sort=created")) == ["charlie", "Alpha", "bravo"]


async def test_a_money_sort_without_stripe_data_keeps_name_order(client, alice):
    # The order by revenue itself is tested with real revenue in test_clients_revenue.py.
    actor = await _pro(alice)
    for name in ("bravo", "Alpha", "charlie"):
        await create_client(actor, ClientInput(name=name))
    await login(client, alice)
    for sort in ("revenue", "last_invoice", "overdue"):
        assert _names(await client.get(f"/dashboard/clients?sort={sort}")) == ["Alpha", "bravo", "charlie"], sort


async def test_it_paginates_25_per_page_and_keeps_the_state_in_links(client, alice):
    actor = await _pro(alice)
    for i in range(60):
        await create_client(actor, ClientInput(name=f"Client {i:02d}"))
    await login(client, alice)
    page3 = await client.get("/dashboard/clients?page=3&sort=name&q=client")
    assert page3.text.count('data-testid="client-row"') == 10
    assert "51–60 of 60 clients" in page3.text
    assert 'href="/dashboard/clients?q=client&amp;page=2"' in page3.text
    page2 = await client.get("/dashboard/clients?q=client&page=2", headers=HX)
    assert page2.text.count('data-testid="client-row"') == 25 and 'hx-push-url="true"' in page2.text
