"""The Branding panel of the Auto Billing tab: owners set what their clients' billing pages show."""

from __future__ import annotations

import pytest

from app.client_billing.branding import DEFAULT_COLOR, readable_text_color
from app.client_billing.tables import Branding
from tests.conftest import login, post_form
from tests.integration.client_billing_support import BRANDING, agency_on_agency_plan

GOOD = {
    "display_name": "  Northwind   Studio ",
    "logo_url": "https://northwind.test/logo.png",
    "brand_color": "#0A7D5A",
    "support_email": "Billing@Northwind.test",
}


@pytest.fixture(name="owner")
async def fx_owner(client, alice):
    await agency_on_agency_plan(alice)
    await login(client, alice)
    return alice


async def test_the_tab_loads_the_branding_panel_from_its_own_route(client, owner):
    html = (await client.get("/dashboard/auto-billing")).text

    assert f'hx-get="{BRANDING}"' in html and 'hx-trigger="load"' in html


async def test_the_panel_answers_with_and_without_htmx_and_defaults_to_the_workspace_name(client, owner):
    fragment = await client.get(BRANDING, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and fragment.headers["vary"] == "HX-Request"
    assert fragment.text.lstrip().startswith('<section class="panel" id="branding"') and "<html" not in fragment.text
    assert 'value="Alice Agency"' in fragment.text

    page = await client.get(BRANDING)
    assert "<html" in page.text and 'data-testid="branding-form"' in page.text


async def test_an_owner_saves_the_branding_cleaned(client, owner):
    response = await post_form(client, BRANDING, GOOD, htmx=True)

    assert response.status_code == 200 and 'data-testid="branding-saved"' in response.text
    row = await Branding.objects().where(Branding.workspace == owner.workspace.id).first()
    assert (row.display_name, row.logo_url, row.brand_color, row.support_email) == (
        "Northwind Studio",
        "https://northwind.test/logo.png",
        "#0a7d5a",
        "billing@northwind.test",
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("logo_url", "http://northwind.test/logo.png", "Enter the logo&#39;s https:// address"),
        ("logo_url", "javascript:alert(1)", "Enter the logo&#39;s https:// address"),
        ("brand_color", "red", "Enter the colour as # and six hex digits, like #0a7d5a."),
        ("brand_color", "#12345", "Enter the colour as # and six hex digits"),
        ("support_email", "not-an-email", "is not a valid email address."),
        ("display_name", "x" * 101, "Keep the name under 100 characters."),
    ],
)
async def test_a_bad_field_is_refused_with_its_message_and_nothing_is_saved(client, owner, field, value, message):
    response = await post_form(client, BRANDING, {**GOOD, field: value}, htmx=True)

    assert response.status_code == 422 and message in response.text
    assert f'aria-describedby="{field}-error"' in response.text
    assert await Branding.count() == 0


async def test_a_teammate_reads_the_branding_but_cannot_change_it(client, owner, bob):
    await post_form(client, BRANDING, GOOD)
    client.cookies.clear()
    await login(client, bob)

    panel = await client.get(BRANDING, headers={"HX-Request": "true"})
    assert 'data-testid="branding-owners-only"' in panel.text and "Northwind Studio" in panel.text
    assert 'data-testid="branding-form"' not in panel.text

    refused = await post_form(client, BRANDING, {**GOOD, "display_name": "Bob's"})
    assert refused.status_code == 403
    assert (await Branding.objects().first()).display_name == "Northwind Studio"


async def test_below_the_agency_plan_branding_is_refused(client, alice):
    await login(client, alice)

    assert (await client.get(BRANDING)).status_code == 403
    assert (await post_form(client, BRANDING, GOOD)).status_code == 403
    assert await Branding.count() == 0


@pytest.mark.parametrize(
    ("background", "text"),
    [("#ffffff", "#000000"), ("#ffd43b", "#000000"), ("#000080", "#ffffff"), (DEFAULT_COLOR, "#ffffff")],
)
def test_the_text_on_the_brand_colour_is_the_more_readable_of_black_and_white(background, text):
    assert readable_text_color(background) == text
