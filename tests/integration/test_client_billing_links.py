"""A client's private billing link, from the client's page: owners create, replace and revoke; teammates look."""

from __future__ import annotations

import hashlib
import re

import pytest

from app.client_billing.tables import BillingLink
from tests import factories as f
from tests.conftest import login, post_form
from tests.integration.client_billing_support import agency_on_agency_plan


@pytest.fixture(name="owner")
async def fx_owner(client, alice):
    await agency_on_agency_plan(alice)
    await login(client, alice)
    return alice


@pytest.fixture(name="acme")
async def fx_acme(alice):
    return await f.client(alice.workspace.id, "Acme Rockets")


def _link_url(acme) -> str:
    return f"/dashboard/clients/{acme.id}/billing-link"


def _new_link(html: str) -> str:
    found = re.search(r'value="(http[^"]+/b/([A-Za-z0-9_-]{43}))"', html)
    assert found, "the new link should be shown"
    return "/b/" + found.group(2)


async def _create(client, acme, **kwargs):
    return await post_form(client, _link_url(acme), **kwargs)


async def test_the_clients_page_loads_the_billing_page_section(client, owner, acme):
    html = (await client.get(f"/dashboard/clients/{acme.id}")).text

    assert f'hx-get="{_link_url(acme)}"' in html


async def test_an_owner_creates_a_link_shown_once_and_stored_only_as_a_hash(client, owner, acme):
    response = await _create(client, acme, htmx=True)

    assert response.status_code == 200 and "<html" not in response.text
    path = _new_link(response.text)
    assert 'data-copy="billing-link-url"' in response.text
    row = await BillingLink.objects().where(BillingLink.client == acme.id).first()
    token = path.rsplit("/", 1)[1]
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in str(row.to_dict())
    later = await client.get(_link_url(acme), headers={"HX-Request": "true"})
    assert token not in later.text and "A link is live" in later.text
    client.cookies.clear()
    assert (await client.get(path)).status_code == 200, "the client opens it without a log-in"


async def test_the_section_answers_without_htmx_as_a_page(client, owner, acme):
    page = await client.get(_link_url(acme))

    assert "<html" in page.text and "No link yet." in page.text and 'data-testid="create-billing-link"' in page.text


async def test_replacing_the_link_kills_the_old_one(client, owner, acme):
    old = _new_link((await _create(client, acme)).text)

    new = _new_link((await _create(client, acme)).text)

    assert new != old
    assert (await client.get(old)).status_code == 404 and (await client.get(new)).status_code == 200
    assert await BillingLink.count() == 1


async def test_revoking_the_link_makes_it_a_404(client, owner, acme):
    path = _new_link((await _create(client, acme)).text)

    response = await post_form(client, f"{_link_url(acme)}/revoke", htmx=True)

    assert response.status_code == 200 and "The last link was revoked" in response.text
    assert (await client.get(path)).status_code == 404


async def test_a_teammate_sees_whether_a_link_exists_but_cannot_create_or_revoke(client, owner, bob, acme):
    path = _new_link((await _create(client, acme)).text)
    client.cookies.clear()
    await login(client, bob)

    section = await client.get(_link_url(acme), headers={"HX-Request": "true"})
    assert "A link is live" in section.text and 'data-testid="billing-link-owners-only"' in section.text
    assert "create-billing-link" not in section.text and "revoke-billing-link" not in section.text

    assert (await _create(client, acme)).status_code == 403
    assert (await post_form(client, f"{_link_url(acme)}/revoke")).status_code == 403
    assert (await client.get(path)).status_code == 200, "the link still works"


async def test_another_workspaces_client_is_a_404_for_reading_creating_and_revoking(client, owner, charlie):
    theirs = await f.client(charlie.workspace.id, "Charlie's client")

    assert (await client.get(_link_url(theirs))).status_code == 404
    assert (await _create(client, theirs)).status_code == 404
    assert (await post_form(client, f"{_link_url(theirs)}/revoke")).status_code == 404
    assert await BillingLink.count() == 0


async def test_a_hostile_client_name_is_escaped_in_the_section(client, owner):
    hostile = await f.client(owner.workspace.id, "<script>alert(1)</script>")

    html = (await client.get(_link_url(hostile), headers={"HX-Request": "true"})).text

    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


async def test_below_the_agency_plan_no_link_can_be_made(client, alice, acme):
    await login(client, alice)

    assert (await _create(client, acme)).status_code == 403
    assert "billing-link" not in (await client.get(f"/dashboard/clients/{acme.id}")).text
