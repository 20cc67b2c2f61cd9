"""The OpenAPI document is valid, and every answer of every endpoint matches it (schemathesis, in-process, real token).

Schemathesis generates requests from the document, valid ones and deliberately broken ones, and checks each answer:
a documented status, the documented content type, headers and body schema, and never a 5xx. Requests go through the
suite's own AsyncTestClient, so they reach the app in-process on the suite's database.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.api import tokens
from app.credits import ledger
from app.credits.tables import EntryKind
from app.main import create_app
from app.workspaces.services import set_plan
from tests import factories as f
from tests.integration.sync_support import backfill, link, one_client_per_customer
from tests.plugins.standin import NORTHWIND_DIGITAL

DOCUMENT = create_app().openapi_schema.to_schema()
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
CASES = st.one_of(SCHEMA.as_strategy(GenerationMode.POSITIVE), SCHEMA.as_strategy(GenerationMode.NEGATIVE))
_world: dict[str, object] = {}


def test_the_document_served_is_a_valid_openapi_document_listing_only_the_api():
    SCHEMA.validate()
    assert DOCUMENT["openapi"].startswith("3.") and set(DOCUMENT["paths"]) == {
        "/api/v1/clients",
        "/api/v1/clients/{client_id}",
        "/api/v1/invoices",
        "/api/v1/mrr",
        "/api/v1/movements",
        "/api/v1/flags",
        "/api/v1/usage",
        "/api/v1/clients/{client_id}/credits",
        "/api/v1/clients/{client_id}/credits/ledger",
    }


async def test_the_document_is_served_as_json_at_its_address(client):
    response = await client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.json() == DOCUMENT


async def _world_for(workspace_id, actor) -> dict[str, object]:
    """One workspace with clients and invoices to page through, and credits to spend, made once."""
    if not _world or _world["workspace"] != workspace_id:
        late = await f.client(workspace_id, "Late Co", emails=("ap@late.co",))
        await f.client(workspace_id, "Archived Co", archived=True)
        cust = await f.customer(workspace_id, email="ap@late.co")
        for status in ("paid", "open", "void", "draft"):
            await f.invoice(cust, status=status)
        await ledger.append(workspace_id, late.id, EntryKind.purchase, 10**9, dedupe_key="pi:schema")  # to spend
        secret = (await tokens.create_token(actor, "schemathesis")).secret
        _world.update(workspace=workspace_id, client=late.id, secret=secret)
    return _world


@pytest.fixture(name="world")
async def fx_world(alice):
    _world.clear()
    alice.workspace = await set_plan(alice.workspace.id, "agency")  # the credit endpoints need Auto Billing
    return alice


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(case=CASES)
async def test_every_answer_matches_the_document(client, world, case):
    known = await _world_for(world.workspace.id, world.actor)
    if case.path_parameters and "client_id" in case.path_parameters and case.meta.generation.mode.is_positive:
        case.path_parameters["client_id"] = known["client"]  # an id that exists, so the 200 answer is checked too
    if case.query and "client" in case.query and case.meta.generation.mode.is_positive:
        case.query["client"] = known["client"]  # likewise for the filter, so a client's own figures are checked
    if isinstance(case.body, dict) and "client" in case.body and case.meta.generation.mode.is_positive:
        case.body["client"] = known["client"]  # and for usage, so a recorded one (201) and its replays are checked
    kwargs = case.as_transport_kwargs(base_url="http://testserver.local", headers={})
    headers = {**(kwargs.get("headers") or {}), "Authorization": f"Bearer {known['secret']}"}
    response = await client.request(
        kwargs["method"], kwargs["url"], params=kwargs.get("params"), headers=headers, json=kwargs.get("json")
    )
    case.validate_response(response, checks=CHECKS, headers=headers)


async def test_the_revenue_answers_over_a_synced_agency_match_the_document(client, alice, stripe_standin):
    """The generated world has no Stripe data, so these answers' full rows (flags, non-null rates) are checked here."""
    alice.workspace = await set_plan(alice.workspace.id, "agency")
    await link(stripe_standin, alice.workspace.id, NORTHWIND_DIGITAL)
    assert (await backfill(alice.workspace.id, NORTHWIND_DIGITAL)).status == "done"
    await one_client_per_customer(alice.workspace.id, NORTHWIND_DIGITAL, leave_unmatched=1)
    headers = {"Authorization": f"Bearer {(await tokens.create_token(alice.actor, 'schema')).secret}"}
    flags = await client.get("/api/v1/flags?limit=100", headers=headers)
    movements = await client.get("/api/v1/movements", headers=headers)
    assert flags.json()["data"] and any(row["client"] is None for row in flags.json()["data"])
    assert any(month["net_revenue_retention"] for month in movements.json()["data"])
    chosen = next(row["client"] for row in flags.json()["data"] if row["client"])
    answers = {
        "/api/v1/flags": flags,
        "/api/v1/movements": movements,
        "/api/v1/mrr": await client.get(f"/api/v1/mrr?client={chosen}", headers=headers),
    }
    for path, response in answers.items():
        assert response.status_code == 200
        SCHEMA[path]["GET"].validate_response(response)
