"""fragment_or_redirect and navigate: htmx gets the fragment (or HX-Redirect), a plain form a flash and a 303."""

from __future__ import annotations

import pytest
from litestar import Litestar, Request, get, post
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Response
from litestar.template.config import TemplateConfig
from litestar.testing import TestClient

from app.web.flash import get_flashes
from app.web.htmx import fragment_or_redirect, navigate

HTMX = {"HX-Request": "true"}


@pytest.fixture(name="client")
def fx_client(tmp_path):
    (tmp_path / "_done.html").write_text("<p id='done'>{{ message }}</p>")
    calls: list[str] = []

    async def expensive_context() -> dict:
        calls.append("context")
        return {"message": "Saved."}

    @post("/things/save")
    async def save(request: Request) -> Response:
        return await fragment_or_redirect(
            request, "_done.html", expensive_context, message="Saved.", redirect_to="/things", status_code=202
        )

    @post("/things/open")
    async def open_thing(request: Request) -> Response:
        return navigate(request, "/things/1")

    @get("/things")
    async def things(request: Request) -> dict:
        return {"flashes": get_flashes({"request": request})}

    app = Litestar(
        route_handlers=[save, open_thing, things],
        plugins=[HTMXPlugin()],
        template_config=TemplateConfig(engine=JinjaTemplateEngine, directory=tmp_path),
        middleware=[CookieBackendConfig(secret=b"0" * 16).middleware],
    )
    with TestClient(app) as client:
        client.calls = calls
        yield client


def test_htmx_gets_the_fragment_with_its_status_and_vary(client):
    response = client.post("/things/save", headers=HTMX)
    assert response.status_code == 202
    assert response.text == "<p id='done'>Saved.</p>"
    assert response.headers["vary"] == "HX-Request"
    assert client.calls == ["context"]


def test_a_plain_form_gets_a_flash_and_a_303_without_building_the_fragment(client):
    response = client.post("/things/save", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/things"
    assert client.calls == []
    assert client.get("/things").json() == {"flashes": [{"message": "Saved.", "category": "success"}]}


def test_a_boosted_request_is_treated_like_a_plain_form(client):
    response = client.post("/things/save", headers={**HTMX, "HX-Boosted": "true"}, follow_redirects=False)
    assert response.status_code == 303


def test_navigate_answers_htmx_with_hx_redirect_and_a_plain_form_with_a_303(client):
    response = client.post("/things/open", headers=HTMX)
    assert response.status_code == 200 and response.headers["hx-redirect"] == "/things/1"
    response = client.post("/things/open", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/things/1"
