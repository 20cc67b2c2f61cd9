"""Shared fixtures: throw-away storage, the app client, personas and CSRF-aware form posts."""

from __future__ import annotations

import os
import warnings
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from tests.plugins import database

_ENV = database.configure_environment()
database.migrate()

from litestar.testing import AsyncTestClient  # noqa: E402

from app.accounts.services import create_user  # noqa: E402
from app.accounts.tables import User  # noqa: E402
from app.core.timeutil import utcnow  # noqa: E402
from app.main import create_app  # noqa: E402
from app.workspaces.services import Actor, create_workspace, set_plan  # noqa: E402
from app.workspaces.tables import Membership, Role, Workspace  # noqa: E402
from tasks import huey  # noqa: E402

pytest_plugins = (
    ["tests.plugins.standin"]
    if os.path.exists(os.path.join(os.path.dirname(__file__), "plugins", "standin.py"))
    else []
)

PASSWORD = "correct-horse-battery"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On SQLite, leave out the tests about PostgreSQL's own behaviour: `make test` runs them in its PostgreSQL suite.

    Deselected, not skipped: a skip in CI reads as a test that could not run, and these always run there.
    """
    if os.environ.get("DATABASE_URL"):
        return
    kept = [item for item in items if item.get_closest_marker("postgres_only") is None]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    database.drop_redis_keys(_ENV)
    database.drop_database(_ENV)


@pytest.fixture(autouse=True)
async def _clean_database(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    yield
    if "standin" not in request.node.path.parts:
        from app.revenue import cache

        await cache.rebuilt()  # a page's background rebuild must not read tables while they are emptied
        await database.truncate_all()
    if held := database.held_connections():
        # Not a failure: the next engineer needs the name of the test that leaves a transaction open (see
        # close_session_pool), and the suite still runs.
        warnings.warn(f"{request.node.nodeid} left {held} database connection(s) checked out", stacklevel=1)


@pytest.fixture(autouse=True, scope="session")
async def _session_pool() -> AsyncIterator[None]:
    await database.start_session_pool()
    yield
    await database.close_session_pool()


@pytest.fixture(autouse=True, scope="session")
def _immediate_huey() -> None:
    # Tasks run inline, in memory: each test sees their effects at once. tests/integration/test_queue.py
    # exercises the real SQLite/Redis queue separately.
    huey.immediate = True


@pytest.fixture(name="app", scope="session")
def fx_app():
    return create_app()


@pytest.fixture(name="client")
async def fx_client(app) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=app) as client:
        yield client


@dataclass
class Persona:
    user: User
    workspace: Workspace
    role: str

    @property
    def actor(self) -> Actor:
        return Actor(user=self.user, workspace=self.workspace, role=self.role)


async def make_persona(
    email: str, workspace_name: str | None = None, plan: str = "free", join: Workspace | None = None
) -> Persona:
    user = await create_user(email, PASSWORD, email.split("@")[0].title())
    if join is not None:
        await Membership.insert(
            Membership(workspace=join.id, user=user.id, role=Role.teammate.value, created_at=utcnow())
        )
        return Persona(user, join, Role.teammate.value)
    workspace = await create_workspace(user, workspace_name or f"{email} agency")
    workspace = await set_plan(workspace.id, plan)
    return Persona(user, workspace, Role.owner.value)


@pytest.fixture(name="alice")
async def fx_alice() -> Persona:
    """Owner of Alice Agency (Free plan)."""
    return await make_persona("alice@alice-agency.com", "Alice Agency")


@pytest.fixture(name="bob")
async def fx_bob(alice: Persona) -> Persona:
    """Teammate in Alice Agency."""
    return await make_persona("bob@alice-agency.com", join=alice.workspace)


@pytest.fixture(name="charlie")
async def fx_charlie() -> Persona:
    """Owner of another workspace, Charlie Co: an outsider to Alice's."""
    return await make_persona("charlie@charlie.co", "Charlie Co")


async def csrf_token(client: AsyncTestClient) -> str:
    token = client.cookies.get("cp_csrf")
    if not token:
        await client.get("/login")
        token = client.cookies.get("cp_csrf")
    assert token, "the CSRF cookie should be set by any GET page"
    return token


async def post_form(client: AsyncTestClient, url: str, data: dict | None = None, htmx: bool = False, **kwargs):
    """POST a form the way a browser (or htmx) does, with the CSRF token."""
    headers = {"x-csrftoken": await csrf_token(client), **kwargs.pop("headers", {})}
    if htmx:
        headers["HX-Request"] = "true"
    return await client.post(url, data=data or {}, headers=headers, **kwargs)


async def login(client: AsyncTestClient, persona: Persona) -> None:
    response = await post_form(client, "/login", {"email": persona.user.email, "password": PASSWORD})
    assert response.status_code in (200, 302), response.text
    assert client.cookies.get("cp_session"), "log-in should set the session cookie"
    if persona.workspace:
        await post_form(client, "/workspaces/switch", {"workspace_id": persona.workspace.id})
