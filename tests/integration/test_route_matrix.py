"""Who may call what: every route of the app, per persona, with alice's real object ids; and CSRF on every POST.

Personas: anonymous; bob (alice's teammate, Agency plan); charlie (owner of another workspace on Agency, sent
alice's ids); alice_free (alice, her workspace on Free); alice (owner, Agency). LOGIN means a redirect to the
log-in page. A new route needs one row in ROUTES: the test naming the missing (method, path) says so.
"""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from app.main import create_app
from tests.conftest import PASSWORD
from tests.integration import route_matrix_support as m
from tests.integration.route_matrix_support import LOGIN, Row

LOG_IN = {"email": "alice@alice-agency.com", "password": PASSWORD}
SIGN_UP = {"email": "newcomer@example.com", "name": "Newcomer", "password": PASSWORD}
NEW_PASSWORD = {"password": "another-long-passphrase"}
NEW_CLIENT = {"name": "Initech", "emails": "ops@initech.io"}
CLIENT = {"name": "Acme Renamed", "emails": "ap@acme.test", "domains": "", "notes": ""}

ROUTES: dict[tuple[str, str], Row] = {
    # Public pages and accounts. Signed-in people are sent on from the log-in and sign-up pages.
    ("GET", "/"): Row(302, 302, 302, 302, 302),
    ("GET", "/healthz"): Row(200, 200, 200, 200, 200),
    ("GET", "/login"): Row(200, 302, 302, 302, 302),
    ("POST", "/login"): Row(302, 302, 302, 302, 302, form=LOG_IN),
    ("GET", "/signup"): Row(200, 302, 302, 302, 302),
    ("POST", "/signup"): Row(302, 302, 302, 302, 302, form=SIGN_UP),
    ("POST", "/logout"): Row(302, 302, 302, 302, 302),
    ("GET", "/password/forgot"): Row(200, 200, 200, 200, 200),
    ("POST", "/password/forgot"): Row(200, 200, 200, 200, 200, form={"email": "alice@alice-agency.com"}),
    # A reset link is a bearer secret: whoever holds alice's link may use it (not an id). An invitation is for
    # newbie@example.com only: every persona here is signed in as someone else and is refused.
    ("GET", "/password/reset/{token:str}"): Row(200, 200, 200, 200, 200),
    ("POST", "/password/reset/{token:str}"): Row(302, 302, 302, 302, 302, form=NEW_PASSWORD),
    ("GET", "/invitations/{token:str}"): Row(200, 403, 403, 403, 403),
    ("POST", "/invitations/{token:str}/accept"): Row(LOGIN, 403, 403, 403, 403),
    # Workspaces.
    ("GET", "/workspaces/new"): Row(LOGIN, 200, 200, 200, 200),
    ("POST", "/workspaces"): Row(LOGIN, 302, 302, 302, 302, form={"name": "Side Project", "timezone": "UTC"}),
    ("POST", "/workspaces/switch"): Row(LOGIN, 302, 404, 302, 302, form={"workspace_id": "{workspace_id}"}),
    ("GET", "/dashboard"): Row(LOGIN, 200, 200, 200, 200),
    ("GET", "/dashboard/billing"): Row(LOGIN, 200, 200, 200, 200),
    ("GET", "/dashboard/billing/plan"): Row(LOGIN, 200, 200, 200, 200),
    # Paying for ClientPulse (each owner for their own workspace; nothing to manage before a first payment).
    ("POST", "/dashboard/billing/checkout"): Row(LOGIN, 403, 303, 303, 303, form={"plan": "pro"}, stripe=True),
    ("POST", "/dashboard/billing/portal"): Row(LOGIN, 403, 409, 409, 409, stripe=True),
    # Your own account: where you are signed in, and ending every session (this one included).
    ("GET", "/dashboard/settings/account"): Row(LOGIN, 200, 200, 200, 200),
    ("POST", "/dashboard/settings/account/logout-everywhere"): Row(LOGIN, 303, 303, 303, 303),
    # Clients: teammates work on clients too.
    ("GET", "/dashboard/clients"): Row(LOGIN, 200, 200, 200, 200),
    ("GET", "/dashboard/clients/new"): Row(LOGIN, 200, 200, 200, 200),
    ("POST", "/dashboard/clients"): Row(LOGIN, 303, 303, 303, 303, form=NEW_CLIENT),
    ("GET", "/dashboard/clients/{client_id:int}"): Row(LOGIN, 200, 404, 200, 200),
    ("GET", "/dashboard/clients/{client_id:int}/edit"): Row(LOGIN, 200, 404, 200, 200),
    ("POST", "/dashboard/clients/{client_id:int}"): Row(LOGIN, 303, 404, 303, 303, form=CLIENT),
    ("POST", "/dashboard/clients/{client_id:int}/archive"): Row(LOGIN, 303, 404, 303, 303),
    ("POST", "/dashboard/clients/{client_id:int}/restore"): Row(LOGIN, 303, 404, 303, 303),
    ("GET", "/dashboard/clients/import"): Row(LOGIN, 200, 200, 200, 200),
    ("GET", "/dashboard/clients/export.csv"): Row(LOGIN, 200, 200, 200, 200),
    ("POST", "/dashboard/clients/import"): Row(LOGIN, 200, 200, 200, 200, upload=True),
    ("POST", "/dashboard/clients/import/confirm"): Row(LOGIN, 303, 303, 303, 303, form={"csv_text": m.CSV.decode()}),
    # Revenue exports and the definitions page: both roles read them; each reads the caller's own workspace.
    ("GET", "/dashboard/revenue/mrr.csv"): Row(LOGIN, 200, 200, 200, 200),
    ("GET", "/dashboard/revenue/movements.csv"): Row(LOGIN, 200, 200, 200, 200),
    ("GET", "/dashboard/help/metrics"): Row(LOGIN, 200, 200, 200, 200),
    # Integrations: Connect is for owners on Agency; the callback without Stripe's state is a 400 for them.
    ("GET", "/dashboard/integrations"): Row(LOGIN, 200, 200, 200, 200),
    ("GET", "/dashboard/integrations/stripe/card"): Row(LOGIN, 200, 200, 200, 200),
    ("GET", "/dashboard/integrations/stripe/progress"): Row(LOGIN, 200, 200, 200, 200),
    ("POST", "/dashboard/integrations/stripe/connect"): Row(LOGIN, 403, 303, 403, 303),
    ("GET", "/dashboard/integrations/stripe/callback"): Row(LOGIN, 403, 400, 403, 400),
    ("POST", "/dashboard/integrations/stripe/disconnect"): Row(LOGIN, 403, 404, 303, 303, stripe=True),
    ("GET", "/dashboard/integrations/stripe/summary"): Row(LOGIN, 303, 303, 303, 303),
    ("POST", "/dashboard/integrations/stripe/summary/dismiss"): Row(LOGIN, 303, 303, 303, 303),
    ("GET", "/dashboard/integrations/stripe/unmatched"): Row(LOGIN, 200, 200, 200, 200),
    ("GET", "/dashboard/integrations/stripe/unmatched/clients"): Row(LOGIN, 303, 303, 303, 303),
    ("POST", "/dashboard/integrations/stripe/unmatched/{customer_id:str}/map"): Row(
        LOGIN, 303, 404, 303, 303, form={"client": "#{client_id}"}
    ),
    ("POST", "/dashboard/integrations/stripe/unmatched/{customer_id:str}/create"): Row(
        LOGIN, 303, 404, 303, 303, form={"name": "Globex", "email": "billing@globex.io", "domain": ""}
    ),
    ("POST", "/dashboard/integrations/stripe/unmatched/{customer_id:str}/ignore"): Row(LOGIN, 303, 404, 303, 303),
    ("POST", "/dashboard/integrations/stripe/unmatched/bulk"): Row(
        LOGIN, 303, 404, 303, 303, form={"action": "ignore", "customer_ids": "{customer_id}"}
    ),
    # Settings: teammates see the team; only owners change it or touch Stripe data. Charlie's purge confirms
    # alice's workspace name in his own workspace, so it is refused as a wrong confirmation.
    ("GET", "/dashboard/settings"): Row(LOGIN, 200, 200, 200, 200),
    ("POST", "/dashboard/settings/workspace"): Row(
        LOGIN, 403, 302, 302, 302, form={"name": "Alice Agency", "timezone": "Europe/Paris"}
    ),
    ("POST", "/dashboard/settings/team/invite"): Row(LOGIN, 403, 303, 303, 303, form={"email": "dana@example.com"}),
    ("POST", "/dashboard/settings/team/{membership_id:int}/remove"): Row(LOGIN, 403, 404, 303, 303),
    ("POST", "/dashboard/settings/team/{membership_id:int}/role"): Row(
        LOGIN, 403, 404, 303, 303, form={"role": "owner"}
    ),
    ("POST", "/dashboard/settings/team/invitations/{invitation_id:int}/revoke"): Row(LOGIN, 403, 404, 303, 303),
    ("GET", "/dashboard/settings/data"): Row(LOGIN, 200, 200, 200, 200),
    ("POST", "/dashboard/settings/data/purge"): Row(LOGIN, 403, 422, 303, 303, form={"confirm": "Alice Agency"}),
    ("POST", "/dashboard/settings/data/sync"): Row(LOGIN, 403, 404, 303, 303, stripe=True),
    # Settings → API: teammates see the tokens; only owners make or revoke one (charlie's revoke names alice's).
    ("GET", "/dashboard/settings/api"): Row(LOGIN, 200, 200, 200, 200),
    ("POST", "/dashboard/settings/api/tokens"): Row(LOGIN, 403, 200, 200, 200, form={"name": "Reporting"}),
    ("POST", "/dashboard/settings/api/tokens/{token_id:int}/revoke"): Row(LOGIN, 403, 404, 303, 303),
    # Settings → Monday Brief: everyone previews, switches and sends their own brief, in their own workspace.
    ("GET", "/dashboard/settings/brief"): Row(LOGIN, 200, 200, 200, 200),
    ("POST", "/dashboard/settings/brief/subscription"): Row(LOGIN, 303, 303, 303, 303, form={"opted_in": "0"}),
    ("POST", "/dashboard/settings/brief/send"): Row(LOGIN, 303, 303, 303, 303),
    # Auto Billing → credit pricing: Agency only; teammates read the panel, only owners preview and save a cost, each
    # in the workspace of their session (there are no ids in these paths).
    ("GET", "/dashboard/auto-billing/pricing"): Row(LOGIN, 200, 200, 403, 200),
    ("POST", "/dashboard/auto-billing/pricing/preview"): Row(
        LOGIN, 403, 200, 403, 200, form={"cost_per_credit": "0.003"}
    ),
    ("POST", "/dashboard/auto-billing/pricing"): Row(LOGIN, 403, 200, 403, 200, form={"cost_per_credit": "0.003"}),
    # Auto Billing: Agency only (alice_free is refused everywhere), teammates view, only owners act. Charlie reads
    # and creates his own workspace's payout account; alice's is never his to refresh, return to, or open (404).
    ("GET", "/dashboard/auto-billing"): Row(LOGIN, 200, 200, 403, 200, stripe=True),
    ("GET", "/dashboard/auto-billing/status"): Row(LOGIN, 200, 200, 403, 200, stripe=True),
    ("POST", "/dashboard/auto-billing/connect"): Row(
        LOGIN, 403, 303, 403, 303, form={"email": "x@agency.test"}, stripe=True
    ),
    ("POST", "/dashboard/auto-billing/check"): Row(LOGIN, 403, 404, 403, 303, stripe=True),
    ("GET", "/dashboard/auto-billing/onboarding/refresh"): Row(LOGIN, 403, 404, 403, 303, stripe=True),
    ("GET", "/dashboard/auto-billing/onboarding/return"): Row(LOGIN, 403, 404, 403, 303, stripe=True),
    ("GET", "/dashboard/auto-billing/stripe-dashboard"): Row(LOGIN, 403, 404, 403, 303, stripe=True),
    # Auto Billing → transactions: Agency only; teammates read the lists, only owners adjust credits. A client of
    # alice's is charlie's 404, like a missing one.
    ("GET", "/dashboard/auto-billing/transactions"): Row(LOGIN, 200, 200, 403, 200),
    ("GET", "/dashboard/auto-billing/transactions.csv"): Row(LOGIN, 200, 200, 403, 200),
    ("GET", "/dashboard/auto-billing/transactions/stripe"): Row(LOGIN, 200, 200, 403, 200, stripe=True),
    ("GET", "/dashboard/clients/{client_id:int}/credits"): Row(LOGIN, 200, 404, 403, 200),
    ("POST", "/dashboard/clients/{client_id:int}/credits/adjustments"): Row(
        LOGIN, 403, 404, 403, 303, form={"credits": "5", "reason": "Goodwill"}
    ),
    # Auto Billing → Branding (the clients' billing pages): Agency only, teammates read, only owners save.
    ("GET", "/dashboard/auto-billing/branding"): Row(LOGIN, 200, 200, 403, 200),
    ("POST", "/dashboard/auto-billing/branding"): Row(LOGIN, 403, 200, 403, 200, form={"display_name": "Studio"}),
    # A client's private billing link: Agency only, teammates see whether one is live, only owners make or revoke it;
    # charlie can't tell alice's clients from missing ones.
    ("GET", "/dashboard/clients/{client_id:int}/billing-link"): Row(LOGIN, 200, 404, 403, 200),
    ("POST", "/dashboard/clients/{client_id:int}/billing-link"): Row(LOGIN, 403, 404, 403, 200),
    ("POST", "/dashboard/clients/{client_id:int}/billing-link/revoke"): Row(LOGIN, 403, 404, 403, 200),
    # The client billing page opens by its link's token, without a log-in, for anyone holding it (alice's link to Acme
    # Rockets). Its POSTs still need the CSRF token. No payout account takes charges here, so a buy is refused (409).
    ("GET", "/b/{token:str}"): Row(200, 200, 200, 200, 200),
    ("GET", "/b/{token:str}/brand.css"): Row(200, 200, 200, 200, 200),
    ("GET", "/b/{token:str}/balance"): Row(200, 200, 200, 200, 200),
    ("GET", "/b/{token:str}/history"): Row(200, 200, 200, 200, 200),
    ("POST", "/b/{token:str}/buy"): Row(409, 409, 409, 409, 409, form={"usd": "10"}),
    ("POST", "/b/{token:str}/auto-recharge"): Row(303, 303, 303, 303, 303, form={"enabled": ""}),
    # The JSON API takes a bearer token, never the session: every persona's cookie gets a 401. Its OpenAPI
    # document is public, and unknown addresses under it answer a JSON 404.
    ("GET", "/api/v1/clients"): Row(401, 401, 401, 401, 401),
    ("GET", "/api/v1/clients/{client_id:int}"): Row(401, 401, 401, 401, 401),
    ("GET", "/api/v1/invoices"): Row(401, 401, 401, 401, 401),
    ("GET", "/api/v1/mrr"): Row(401, 401, 401, 401, 401),
    ("GET", "/api/v1/movements"): Row(401, 401, 401, 401, 401),
    ("GET", "/api/v1/flags"): Row(401, 401, 401, 401, 401),
    # The usage API too: a teammate's (or anyone's) session is no key to spend or read a client's credits.
    ("POST", "/api/v1/usage"): Row(401, 401, 401, 401, 401),
    ("GET", "/api/v1/clients/{client_id:int}/credits"): Row(401, 401, 401, 401, 401),
    ("GET", "/api/v1/clients/{client_id:int}/credits/ledger"): Row(401, 401, 401, 401, 401),
    ("GET", "/api/v1"): Row(200, 200, 200, 200, 200),
    ("GET", "/api/v1/openapi.json"): Row(200, 200, 200, 200, 200),
    ("GET", "/api/v1/{path:str}"): Row(404, 404, 404, 404, 404),
    # Stripe's webhook: no session, no CSRF; an unsigned body is refused whoever sends it.
    ("POST", "/billing/stripe/webhook"): Row(400, 400, 400, 400, 400, form={"id": "evt_unsigned"}),
    # The Monday Brief's signed one-click unsubscribe (bob's link): no log-in, and its POST needs no CSRF token.
    ("GET", "/brief/unsubscribe/{token:str}"): Row(200, 200, 200, 200, 200),
    ("POST", "/brief/unsubscribe/{token:str}"): Row(200, 200, 200, 200, 200),
    # A client's confirmation of a recharge their bank asked about: the signed link is the credential, no log-in,
    # so every persona gets the same answer; a token signed for something else is refused (the flows:
    # tests/integration/test_recharge_authentication.py).
    ("GET", "/pay/recharge/{token:str}"): Row(400, 400, 400, 400, 400),
    ("POST", "/pay/recharge/{token:str}"): Row(400, 400, 400, 400, 400),
    ("GET", "/pay/recharge/{token:str}/return"): Row(400, 400, 400, 400, 400),
    # Development only (not mounted in production): the outbox shows every email, unscoped, by design.
    ("GET", "/dev/outbox"): Row(200, 200, 200, 200, 200),
    ("GET", "/dev/outbox/{message_id:int}"): Row(200, 200, 200, 200, 200),
}

APP_ROUTES = m.app_routes(create_app())
CLASSIFIED = sorted(key for key in ROUTES if key in APP_ROUTES)
UNSAFE_ROUTES = [key for key in CLASSIFIED if key[0] in m.UNSAFE]


def _id(route: tuple[str, str]) -> str:
    return " ".join(route)


@pytest.fixture(name="matrix_app", scope="module")
def fx_matrix_app():
    return m.matrix_app(create_app())


@pytest.fixture(name="matrix_client")
async def fx_matrix_client(matrix_app):
    async with AsyncTestClient(app=matrix_app) as client:
        yield client


def test_every_route_of_the_app_has_a_row_and_every_row_a_route():
    missing = sorted(APP_ROUTES - ROUTES.keys())
    stale = sorted(ROUTES.keys() - APP_ROUTES)
    assert not missing, "routes without a row in ROUTES (add one per route): " + "; ".join(map(_id, missing))
    assert not stale, "rows in ROUTES for routes the app no longer has: " + "; ".join(map(_id, stale))


async def _answer_problems(client, world: m.World, route: tuple[str, str], persona: str) -> list[str]:
    """What is wrong with the persona's answer: its status, and for charlie, whether alice's ids leak."""
    method, path = route
    row = ROUTES[route]
    await m.log_in_as(client, world, persona)
    alice_before = await m.fingerprint(world.workspaces["alice"])
    response = await m.send(client, method, path, row, world.values(path, row.form))
    expected = row.expected(persona)
    problems = [] if m.matches(expected, response) else [f"{persona}: expected {expected}, got {m.describe(response)}"]
    if persona == "charlie" and m.params_of(path, row.form) & m.SCOPED_IDS:
        if await m.fingerprint(world.workspaces["alice"]) != alice_before:
            problems.append("charlie: changed alice's workspace")
        unknown = await m.send(client, method, path, row, world.values(path, row.form, nonexistent=True))
        if unknown.status_code != response.status_code:
            problems.append(
                f"charlie: tells alice's ids ({m.describe(response)}) from missing ones ({m.describe(unknown)})"
            )
    return problems


@pytest.mark.parametrize("route", CLASSIFIED, ids=_id)
async def test_each_persona_gets_the_expected_answer(route, matrix_client, request):
    row = ROUTES[route]
    standin = request.getfixturevalue("stripe_standin") if row.stripe else None
    world, problems = None, []
    for persona in m.PERSONAS:
        # A request that may change something gets a fresh world for each persona; reads share one.
        if world is None or route[0] in m.UNSAFE:
            world = await m.fresh_world(standin, first=world is None)
        await m.set_alice_plan(world, "free" if persona == "alice_free" else "agency")
        matrix_client.cookies.clear()
        problems += await _answer_problems(matrix_client, world, route, persona)
    assert not problems, f"{_id(route)}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("route", UNSAFE_ROUTES, ids=_id)
async def test_an_unsafe_request_without_the_csrf_token_is_refused_and_changes_nothing(route, matrix_client, request):
    method, path = route
    row = ROUTES[route]
    world = await m.fresh_world(request.getfixturevalue("stripe_standin") if row.stripe else None)
    await m.log_in_as(matrix_client, world, "alice")
    before = await m.fingerprint(world.workspaces["alice"])
    response = await m.send(matrix_client, method, path, row, world.values(path, row.form), with_csrf=False)
    # The webhook is exempt from CSRF (Stripe has no token): its signature is its guard. So is the brief's
    # unsubscribe (mail clients POST it without cookies): its signed token is its guard, and it opts bob out only.
    # The usage API takes no cookie: its bearer token is its guard, so alice's session alone gets a 401.
    exempt = {"/billing/stripe/webhook": 400, "/brief/unsubscribe/{token:str}": 200, "/api/v1/usage": 401}
    expected = exempt.get(path, 403)
    assert response.status_code == expected, f"{method} {path} without a CSRF token: got {m.describe(response)}"
    assert await m.fingerprint(world.workspaces["alice"]) == before
