"""Stripe Connect OAuth edge cases: expired, foreign-user and teammate callbacks, a second flow, what a link stores."""

import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from app.accounts.services import create_user
from app.core.security import decrypt_secret
from app.core.timeutil import utcnow
from app.integrations import services
from app.integrations.tables import OAuthState, StripeConnection
from app.workspaces.services import set_plan
from app.workspaces.tables import Membership, Role
from tests.conftest import PASSWORD, Persona, login
from tests.integration.conftest import connect_through_oauth, consent, finish_connect, start_connect
from tests.plugins.standin import NORTHWIND_DIGITAL, NORTHWIND_LABS

BAD_STATE = "This Stripe connection link has expired or was already used"


@pytest.fixture(name="agency_owner")
async def fx_agency_owner(client, alice):
    """Alice, on the Agency plan, signed in on `client`."""
    alice.workspace = await set_plan(alice.workspace.id, "agency")
    await login(client, alice)
    return alice


async def _assert_refused_and_nothing_stored(response, status: int, message: str, standin) -> None:
    assert response.status_code == status and message in response.text
    assert await StripeConnection.count() == 0
    assert [r for r in standin.requests() if r["path"] == "/oauth/token"] == [], "the code must not be spent"


async def test_an_expired_state_is_refused_with_the_expired_message_and_nothing_is_stored(
    client, agency_owner, stripe_standin
):
    back = consent(await start_connect(client), NORTHWIND_DIGITAL)
    await OAuthState.update({OAuthState.expires_at: utcnow() - timedelta(minutes=1)}).where(OAuthState.id > 0)
    await _assert_refused_and_nothing_stored(await finish_connect(client, back), 400, BAD_STATE, stripe_standin)


async def test_another_owner_of_the_same_workspace_cannot_complete_the_first_owners_state(
    app, client, agency_owner, stripe_standin
):
    from litestar.testing import AsyncTestClient

    user = await create_user("olivia@alice-agency.com", PASSWORD, "Olivia")
    await Membership.insert(
        Membership(workspace=agency_owner.workspace.id, user=user.id, role=Role.owner.value, created_at=utcnow())
    )
    back = consent(await start_connect(client), NORTHWIND_DIGITAL)
    async with AsyncTestClient(app=app) as olivia_client:
        await login(olivia_client, Persona(user, agency_owner.workspace, Role.owner.value))
        response = await finish_connect(olivia_client, back)
    await _assert_refused_and_nothing_stored(response, 400, BAD_STATE, stripe_standin)


async def test_a_teammate_calling_the_callback_directly_is_refused_and_nothing_is_stored(
    client, agency_owner, bob, stripe_standin
):
    back = consent(await start_connect(client), NORTHWIND_DIGITAL)
    await login(client, bob)
    await _assert_refused_and_nothing_stored(
        await finish_connect(client, back), 403, "Only a workspace owner can connect Stripe", stripe_standin
    )


async def test_a_second_flow_finishing_after_the_first_is_refused_and_the_first_connection_is_unchanged(
    client, agency_owner, stripe_standin
):
    first_url, second_url = await start_connect(client), await start_connect(client)
    assert (await finish_connect(client, consent(first_url, NORTHWIND_DIGITAL))).status_code == 303
    before = (await StripeConnection.objects().first()).to_dict()
    response = await finish_connect(client, consent(second_url, NORTHWIND_LABS))
    assert response.status_code == 409
    assert f"already connected to Stripe account {NORTHWIND_DIGITAL}. Disconnect it first" in response.text
    assert [row.to_dict() for row in await StripeConnection.objects()] == [before]
    linked = {a["id"]: a["linked"] for a in stripe_standin.accounts()}
    assert linked[NORTHWIND_DIGITAL] and not linked[NORTHWIND_LABS], "the second code is never exchanged"


@dataclass
class Exchanges:
    """Every token the app got back from the stand-in's /oauth/token; `livemode` rewrites the answer when set."""

    tokens: list[dict] = field(default_factory=list)
    livemode: bool | None = None


@pytest.fixture(name="exchanged")
def fx_exchanged(monkeypatch) -> Exchanges:
    spy = Exchanges()
    real = services.platform_client

    def spying_client(*args, **kwargs):
        client = real(*args, **kwargs)
        token = client.oauth.token

        def capture(*a, **k):
            result = token(*a, **k)
            if spy.livemode is not None:
                result["livemode"] = spy.livemode
            spy.tokens.append(result.to_dict())
            return result

        client.oauth.token = capture
        return client

    monkeypatch.setattr(services, "platform_client", spying_client)
    return spy


@pytest.mark.parametrize("reported", [False, True], ids=["test-mode", "live-mode"])
async def test_a_connection_stores_livemode_as_stripe_reports_it(
    client, agency_owner, stripe_standin, exchanged, reported
):
    # The stand-in only speaks test mode; live mode is simulated by rewriting the exchange's answer.
    exchanged.livemode = True if reported else None
    await connect_through_oauth(client, NORTHWIND_DIGITAL)
    assert len(exchanged.tokens) == 1 and exchanged.tokens[0]["livemode"] is reported
    assert (await StripeConnection.objects().first()).livemode is reported


async def test_the_raw_tokens_from_the_exchange_appear_in_no_column_of_the_stored_row(
    client, agency_owner, stripe_standin, exchanged
):
    await connect_through_oauth(client, NORTHWIND_DIGITAL)
    access, refresh = exchanged.tokens[0]["access_token"], exchanged.tokens[0]["refresh_token"]
    row = await StripeConnection.objects().first()
    for column, value in row.to_dict().items():
        assert access not in str(value) and refresh not in str(value), f"a raw token is stored in {column}"
    # Encrypted, not dropped: the stored values decrypt back to what Stripe issued.
    assert decrypt_secret(row.access_token_enc) == access and decrypt_secret(row.refresh_token_enc) == refresh
    page = await client.get("/dashboard/integrations")
    assert access not in page.text and refresh not in page.text


async def test_the_disconnect_button_asks_for_confirmation_first(client, agency_owner, stripe_standin):
    await connect_through_oauth(client, NORTHWIND_DIGITAL)
    page = (await client.get("/dashboard/integrations")).text
    form = re.search(r'<form[^>]*action="/dashboard/integrations/stripe/disconnect"[^>]*>(.*?)</form>', page, re.S)
    assert form, "the card should hold a disconnect form"
    assert 'data-testid="disconnect-stripe"' in form.group(1)
    confirm = re.search(r'hx-confirm="([^"]+)"', form.group(0))
    assert confirm and confirm.group(1).startswith("Disconnect ")
