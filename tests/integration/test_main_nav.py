"""The header's main menu: the Auto Billing link shows on the Agency plan only; the tab still refuses a lower plan."""

from __future__ import annotations

import pytest

from app.workspaces.services import set_plan
from tests.conftest import login

LINK = 'href="/dashboard/auto-billing"'


def _nav(html: str) -> str:
    return html.split('class="mainnav"', 1)[1].split("</nav>", 1)[0]


@pytest.mark.parametrize("plan", ["free", "pro"])
async def test_a_lower_plan_sees_no_auto_billing_link_and_the_tab_answers_with_the_plan_error(client, alice, plan):
    await set_plan(alice.workspace.id, plan)
    await login(client, alice)
    nav = _nav((await client.get("/dashboard")).text)
    assert "Auto Billing" not in nav and LINK not in nav
    assert 'href="/dashboard/billing"' in nav
    tab = await client.get("/dashboard/auto-billing")
    assert tab.status_code == 403 and "is only available on the Agency plan" in tab.text
    assert 'href="/dashboard/billing"' in tab.text


async def test_an_agency_owner_and_teammate_see_the_auto_billing_link(client, alice, bob):
    await set_plan(alice.workspace.id, "agency")
    for persona in (alice, bob):
        await login(client, persona)
        nav = _nav((await client.get("/dashboard/clients")).text)
        assert f'{LINK} data-testid="nav-auto-billing"' in nav and ">Auto Billing<" in nav
