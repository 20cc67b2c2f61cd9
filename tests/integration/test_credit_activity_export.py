"""The transactions CSV: the filtered entries (all pages), money as plain decimals, spreadsheet formulas defused."""

from __future__ import annotations

import csv
import io

import pytest

from app.credits import ledger
from app.credits.tables import EntryKind
from tests import factories
from tests.integration.credit_activity_support import EXPORT, on_agency_plan, purchase, usage


@pytest.fixture(name="owner")
async def fx_owner(client, alice):
    return await on_agency_plan(client, alice)


def parsed(response) -> list[dict]:
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith('attachment; filename="transactions-')
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


async def test_the_export_has_one_line_per_entry_with_money_as_plain_decimals(client, owner):
    acme = await factories.client(owner.workspace.id, "Acme")
    await purchase(owner.workspace.id, acme.id, "pi_1", credits=25_000, cents=10_000)
    await ledger.append(
        owner.workspace.id,
        acme.id,
        EntryKind.refund,
        -2500,
        dedupe_key="refund:re_1",
        amount_minor=-1000,
        application_fee_minor=-250,
        stripe_refund_id="re_1",
        stripe_payment_intent_id="pi_1",
    )

    rows = parsed(await client.get(EXPORT))

    refund, bought = rows
    assert bought["kind"] == "Purchase" and bought["credits"] == "25000" and bought["amount"] == "100.00"
    assert bought["application_fee"] == "25.00" and bought["currency"] == "USD"
    assert bought["final_price_per_credit"] == "0.004" and bought["cost_per_credit"] == "0.003"
    assert bought["stripe_payment_intent"] == "pi_1" and bought["client"] == "Acme"
    assert refund["amount"] == "-10.00" and refund["credits"] == "-2500" and refund["stripe_refund"] == "re_1"


async def test_the_export_applies_the_lists_filters_across_every_page(client, owner):
    acme = await factories.client(owner.workspace.id, "Acme")
    globex = await factories.client(owner.workspace.id, "Globex")
    await purchase(owner.workspace.id, acme.id, "pi_a", credits=100_000)
    await purchase(owner.workspace.id, globex.id, "pi_g")
    for _ in range(30):
        await usage(owner.workspace.id, acme.id, 1)

    rows = parsed(await client.get(EXPORT, params={"kind": "usage", "client": str(acme.id)}))

    assert len(rows) == 30 and {row["client"] for row in rows} == {"Acme"}


async def test_formulas_in_names_and_reasons_are_defused_while_negative_numbers_stay_numbers(client, owner):
    evil = await factories.client(owner.workspace.id, '=HYPERLINK("http://x")')
    await purchase(owner.workspace.id, evil.id, "pi_e")
    await ledger.append(owner.workspace.id, evil.id, EntryKind.adjustment, -5, description="+cmd|' /C calc'!A0")
    await usage(owner.workspace.id, evil.id, 1, "@SUM(1+1)")

    rows = parsed(await client.get(EXPORT))

    assert {row["client"] for row in rows} == {'\'=HYPERLINK("http://x")'}
    descriptions = {row["description"] for row in rows}
    assert "'+cmd|' /C calc'!A0" in descriptions and "'@SUM(1+1)" in descriptions
    assert {row["credits"] for row in rows} == {"2500", "-5", "-1"}


async def test_an_empty_export_still_has_its_header(client, owner):
    response = await client.get(EXPORT)

    assert parsed(response) == []
    assert response.content.decode("utf-8-sig").startswith("date,client_id,client,kind,credits")
