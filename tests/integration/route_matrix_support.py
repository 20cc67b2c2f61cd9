"""Support for the route matrix: the app's route table, alice's world of objects, personas' sessions, requests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from litestar import Litestar, Request, get
from litestar.params import FromPath
from litestar.testing import AsyncTestClient
from piccolo.conf.apps import Finder
from piccolo.table import sort_table_classes

from app.accounts.services import request_password_reset
from app.accounts.tables import User
from app.api.tables import ApiToken
from app.api.tokens import create_token
from app.auto_billing.tables import PayoutAccount
from app.brief.unsubscribe import make_token
from app.client_billing import links as billing_links
from app.client_billing.tables import BillingLink, Branding
from app.clients.tables import Client
from app.core.security import hash_password
from app.core.timeutil import utcnow
from app.credit_pricing.tables import CreditPrice
from app.integrations.tables import StripeConnection
from app.stripe_data.tables import CustomerMatch
from app.web.auth import log_in
from app.workspaces.services import Actor, create_workspace, invite, set_plan
from app.workspaces.tables import Invitation, Membership, Role, Workspace
from tests import factories as f
from tests.conftest import PASSWORD, csrf_token
from tests.integration.auto_billing_support import payout_account_at_stripe
from tests.integration.sync_support import link
from tests.plugins.standin import NORTHWIND_DIGITAL

PERSONAS = ("anonymous", "bob", "charlie", "alice_free", "alice")
LOGIN = "login"  # an expectation: a 302 to the log-in page, which comes back to the request's path
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Path and form parameters that name an object of alice's workspace: charlie must not tell them from missing ones.
SCOPED_IDS = {"client_id", "invitation_id", "membership_id", "customer_id", "workspace_id", "token_id"}
NONEXISTENT = {
    "client_id": 987654321,
    "invitation_id": 987654321,
    "membership_id": 987654321,
    "customer_id": "cus_nonexistent",
    "workspace_id": 987654321,
    "token_id": 987654321,
}
CSV = b"name,emails\nInitech,ops@initech.io\n"
_PARAM = re.compile(r"{(\w+)(?::\w+)?}")


@dataclass(frozen=True)
class Row:
    """The expected answer per persona (a status, or LOGIN), and what the request sends."""

    anonymous: int | str
    bob: int | str
    charlie: int | str
    alice_free: int | str
    alice: int | str
    form: dict[str, str] | None = None  # values may name alice's objects: "{client_id}"
    upload: bool = False  # a multipart CSV upload instead of a form
    stripe: bool = False  # alice's workspace is linked to an account at the Stripe stand-in

    def expected(self, persona: str) -> int | str:
        return getattr(self, persona)


def app_routes(app: Litestar) -> set[tuple[str, str]]:
    """Every (method, path template) the app answers, except static files and Litestar's automatic OPTIONS."""
    routes = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            automatic_options = handler.fn.__qualname__.startswith("HTTPRoute.create_options_handler")
            static = handler.fn.__qualname__.startswith("create_static_files_router")
            if not (static or automatic_options):
                routes.update((method, route.path) for method in handler.http_methods)
    return routes


def params_of(path: str, form: dict[str, str] | None) -> set[str]:
    return set(_PARAM.findall(path)) | {name for value in (form or {}).values() for name in _PARAM.findall(value)}


@get("/_test/log-in/{user_id:int}/{workspace_id:int}", name="test:log_in", include_in_schema=False)
async def _log_in_as(request: Request, user_id: FromPath[int], workspace_id: FromPath[int]) -> None:
    """Start a session with the app's own log_in: argon2 costs ~0.5 s a log-in here, times ~350 persona requests."""
    await log_in(request, await User.objects().where(User.id == user_id).first(), workspace_id)


def matrix_app(app: Litestar) -> Litestar:
    app.register(_log_in_as)
    return app


@lru_cache(maxsize=1)
def _password_hash() -> str:
    return hash_password(PASSWORD)


async def _user(email: str) -> User:
    user = User(email=email, name=email.split("@")[0].title(), password_hash=_password_hash(), created_at=utcnow())
    await user.save()
    return user


@dataclass
class World:
    """Alice's workspace (with bob as teammate) and charlie's, and the ids that fill path parameters."""

    users: dict[str, User]
    workspaces: dict[str, int]
    ids: dict[str, object]

    def values(self, path: str, form: dict[str, str] | None, nonexistent: bool = False) -> dict[str, object]:
        values = {}
        for name in params_of(path, form):
            key = name
            if name == "token":
                prefixes = {"/password/": "reset_token", "/brief/": "brief_token", "/b/": "billing_token"}
                key = prefixes.get(path[: path.find("/", 1) + 1])
                key = key or "invitation_token"
            values[name] = NONEXISTENT[name] if nonexistent and name in NONEXISTENT else self.ids[key]
        return values


async def _empty_tables() -> None:
    """Children first, row by row: for a few rows far quicker on PostgreSQL than the suite's TRUNCATE."""
    for table in reversed(sort_table_classes(Finder().get_table_classes())):
        await table.delete(force=True)


async def fresh_world(stripe_standin=None, first: bool = True) -> World:
    """Alice's and charlie's workspaces as the personas find them; `first=False` empties the tables before."""
    if not first:
        await _empty_tables()
    alice, bob, charlie = [
        await _user(e) for e in ("alice@alice-agency.com", "bob@alice-agency.com", "charlie@charlie.co")
    ]
    ws = await set_plan((await create_workspace(alice, "Alice Agency")).id, "agency")
    theirs = await set_plan((await create_workspace(charlie, "Charlie Co")).id, "agency")
    membership = Membership(workspace=ws.id, user=bob.id, role=Role.teammate.value, created_at=utcnow())
    await membership.save()
    client = await f.client(ws.id, "Acme Rockets", emails=("ap@acme.test",))
    customer = await f.customer(ws.id, email="billing@globex.io", name="Globex")
    owner = Actor(user=alice, workspace=ws, role=Role.owner.value)
    message = await invite(owner, "newbie@example.com", lambda t: f"/invitations/{t}")
    token = (await create_token(owner, "Zapier")).token
    billing_token = await billing_links.create(owner, client.id)
    invitation = await Invitation.objects().where(Invitation.workspace == ws.id).first()
    reset = await request_password_reset(alice.email, "127.0.0.1", lambda t: f"/password/reset/{t}")
    if stripe_standin is not None:
        await link(stripe_standin, ws.id, NORTHWIND_DIGITAL)
        await payout_account_at_stripe(stripe_standin, ws.id)
    ids = {
        "client_id": client.id,
        "customer_id": customer.stripe_id,
        "membership_id": membership.id,
        "invitation_id": invitation.id,
        "workspace_id": ws.id,
        "token_id": token.id,
        "message_id": message.id,
        "path": "nothing-here",
        "invitation_token": _link_token(message.text_body, "/invitations/"),
        "reset_token": _link_token(reset.text_body, "/password/reset/"),
        "brief_token": make_token(ws.id, bob.id),
        "billing_token": billing_token,
    }
    return World(
        users={"alice": alice, "alice_free": alice, "bob": bob, "charlie": charlie},
        workspaces={"alice": ws.id, "alice_free": ws.id, "bob": ws.id, "charlie": theirs.id},
        ids=ids,
    )


async def set_alice_plan(world: World, plan: str) -> None:
    await set_plan(world.workspaces["alice"], plan)


def _link_token(text: str, prefix: str) -> str:
    return text.split(prefix, 1)[1].split()[0]


async def log_in_as(client: AsyncTestClient, world: World, persona: str) -> None:
    if persona != "anonymous":
        user, workspace_id = world.users[persona], world.workspaces[persona]
        response = await client.get(f"/_test/log-in/{user.id}/{workspace_id}")
        assert response.status_code < 300 and client.cookies.get("cp_session")


async def send(
    client: AsyncTestClient, method: str, path: str, row: Row, values: dict[str, object], with_csrf: bool = True
):
    """The request a browser's form (or link) would make, with or without the CSRF token."""
    headers = {"x-csrftoken": await csrf_token(client)} if with_csrf and method in UNSAFE else {}
    kwargs: dict = {}
    if row.upload:
        kwargs["files"] = {"file": ("clients.csv", CSV, "text/csv")}
    elif row.form is not None:
        kwargs["data"] = {name: value.format_map(values) for name, value in row.form.items()}
    url = _PARAM.sub(lambda m: str(values[m.group(1)]), path)
    return await client.request(method, url, headers=headers, follow_redirects=False, **kwargs)


def matches(expected: int | str, response) -> bool:
    if expected == LOGIN:
        return response.status_code == 302 and response.headers.get("location", "").startswith("/login?next=")
    return response.status_code == expected


def describe(response) -> str:
    """The status, and where it redirects or what the page is called."""
    if where := response.headers.get("location"):
        return f"{response.status_code} -> {where}"
    title = re.search(r"<title>(.*?)</title>", response.text, re.S)
    return f"{response.status_code} {title.group(1).strip() if title else response.text[:80]!r}"


async def fingerprint(workspace_id: int) -> tuple:
    """Everything in a workspace an outsider's request could change."""
    return (
        await Workspace.select(Workspace.name, Workspace.timezone, Workspace.plan).where(Workspace.id == workspace_id),
        await Client.select(Client.id, Client.name, Client.status)
        .where(Client.workspace == workspace_id)
        .order_by(Client.id),
        await Membership.select(Membership.id, Membership.user, Membership.role)
        .where(Membership.workspace == workspace_id)
        .order_by(Membership.id),
        await Invitation.select(Invitation.id, Invitation.accepted_at, Invitation.revoked_at)
        .where(Invitation.workspace == workspace_id)
        .order_by(Invitation.id),
        await CustomerMatch.select(CustomerMatch.customer_id, CustomerMatch.client, CustomerMatch.ignored)
        .where(CustomerMatch.workspace == workspace_id)
        .order_by(CustomerMatch.customer_id),
        await StripeConnection.select(StripeConnection.id, StripeConnection.status)
        .where(StripeConnection.workspace == workspace_id)
        .order_by(StripeConnection.id),
        await ApiToken.select(ApiToken.id, ApiToken.name, ApiToken.revoked_at)
        .where(ApiToken.workspace == workspace_id)
        .order_by(ApiToken.id),
        await CreditPrice.select(CreditPrice.id, CreditPrice.cost_per_credit)
        .where(CreditPrice.workspace == workspace_id)
        .order_by(CreditPrice.id),
        await PayoutAccount.select(
            PayoutAccount.stripe_account_id, PayoutAccount.email, PayoutAccount.fetched_at
        ).where(PayoutAccount.workspace == workspace_id),
        await Branding.select(Branding.display_name, Branding.updated_at).where(Branding.workspace == workspace_id),
        await BillingLink.select(BillingLink.client, BillingLink.token_hash, BillingLink.revoked_at)
        .where(BillingLink.workspace == workspace_id)
        .order_by(BillingLink.client),
    )
