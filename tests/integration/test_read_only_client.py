"""The connected-account client can only read: writes are refused before anything is sent."""

import pytest

from app.integrations.stripe_client import WriteForbidden, read_only_client
from tests.plugins.standin import NORTHWIND_DIGITAL


@pytest.fixture(name="linked")
def fx_linked(stripe_standin):
    stripe_standin.link(NORTHWIND_DIGITAL)
    stripe_standin.clear_requests()
    return stripe_standin


@pytest.mark.parametrize("method", ["post", "delete"])
def test_a_write_raises_and_never_reaches_stripe(linked, method):
    reader = read_only_client(NORTHWIND_DIGITAL)
    with pytest.raises(WriteForbidden):
        reader.request(method, "/v1/customers", email="mallory@example.com")
    assert linked.requests(account=NORTHWIND_DIGITAL) == []


def test_the_sdks_typed_write_methods_are_refused_too(linked):
    reader = read_only_client(NORTHWIND_DIGITAL)
    with pytest.raises(WriteForbidden):
        reader.client.v1.customers.create(params={"email": "mallory@example.com"})
    with pytest.raises(WriteForbidden):
        reader.client.v1.invoices.void_invoice("in_123")
    assert linked.requests(account=NORTHWIND_DIGITAL) == []


def test_reads_go_through_scoped_to_the_connected_account(linked):
    reader = read_only_client(NORTHWIND_DIGITAL)
    page = reader.get("/v1/customers", limit=3)
    assert page["object"] == "list" and len(page["data"]) == 3
    logged = linked.requests(account=NORTHWIND_DIGITAL)
    assert [(r["method"], r["path"]) for r in logged] == [("GET", "/v1/customers")]
