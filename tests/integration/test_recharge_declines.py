"""A declined recharge pauses auto-recharge for the cooldown and tells the client (white-label) and the agency."""

from __future__ import annotations

from datetime import timedelta
from email.utils import parseaddr

import pytest
import time_machine

from app.client_billing.tables import Branding
from app.core.mail import duration
from app.core.timeutil import utcnow
from app.credits import ledger, recharge
from app.credits import settings as credit_settings
from app.credits.recharge_charge import RECHARGE_COOLDOWN
from app.credits.tables import RechargeStatus
from app.settings import get_settings
from tests.integration.recharge_support import (
    CLIENT_EMAIL,
    DECLINES_LATER,
    INSUFFICIENT_FUNDS,
    RECHARGE_CREDITS,
    THRESHOLD,
    fx_agency,
    outbox,
    payment_intents,
    recharges,
    recharging_client,
)

__all__ = ["fx_agency"]


@pytest.mark.parametrize(
    ("card", "code"), [(INSUFFICIENT_FUNDS, "insufficient_funds"), (DECLINES_LATER, "generic_decline")]
)
async def test_a_decline_fails_the_recharge_and_pauses_auto_recharge_for_the_cooldown(
    stripe_standin, agency, card, code
):
    setup = await recharging_client(stripe_standin, agency, card=card, balance=900)

    await recharge.after_usage(setup.workspace_id, setup.client_id)

    [row] = await recharges(setup)
    assert (row["status"], row["error_code"], row["in_flight"]) == (RechargeStatus.failed.value, code, None)
    account = await ledger.account(setup.workspace_id, setup.client_id)
    assert account["paused_reason"] and account["auto_recharge"]
    assert abs(account["retry_after"] - (utcnow() + RECHARGE_COOLDOWN)) < timedelta(minutes=1)
    assert await ledger.balance(setup.workspace_id, setup.client_id) == 900


async def test_the_client_and_the_agency_are_both_emailed(stripe_standin, agency, smtp):
    setup = await recharging_client(stripe_standin, agency, card=INSUFFICIENT_FUNDS, balance=900)

    await recharge.after_usage(setup.workspace_id, setup.client_id)

    [to_client] = await outbox("recharge_declined_client")
    [to_agency] = await outbox("recharge_declined_agency")
    assert to_client.to_address == CLIENT_EMAIL and to_agency.to_address == agency.user.email
    cooldown = duration(RECHARGE_COOLDOWN)
    assert "insufficient funds" in to_client.text_body and f"paused for {cooldown}" in to_client.text_body
    assert "Acme Rockets" in to_agency.subject and f"paused for {cooldown}" in to_agency.text_body
    for part in (to_client.subject, to_client.text_body, to_client.html_body):
        assert "Alice Agency" in part and "clientpulse" not in part.lower()
    [sent_to_client] = [m for m in smtp.messages if m["To"] == CLIENT_EMAIL]
    # The sender's name is the agency's; the address stays MAIL_FROM's (the deployment's own sending domain).
    assert parseaddr(sent_to_client["From"]) == ("Alice Agency", parseaddr(get_settings().mail_from)[1])
    assert "clientpulse" not in sent_to_client["Subject"].lower()


async def test_no_recharge_is_tried_again_before_the_cooldown_has_passed(stripe_standin, agency):
    setup = await recharging_client(stripe_standin, agency, card=INSUFFICIENT_FUNDS, balance=900)
    await recharge.after_usage(setup.workspace_id, setup.client_id)

    with time_machine.travel(utcnow() + RECHARGE_COOLDOWN - timedelta(minutes=5), tick=False):
        await recharge.after_usage(setup.workspace_id, setup.client_id)
        assert not await recharge.ensure_funds(setup.workspace_id, setup.client_id, 5000)
    assert len(await recharges(setup)) == 1 and len(payment_intents(stripe_standin, setup)) == 1

    with time_machine.travel(utcnow() + RECHARGE_COOLDOWN + timedelta(minutes=5), tick=False):
        await recharge.after_usage(setup.workspace_id, setup.client_id)
    assert len(await recharges(setup)) == 2 and len(payment_intents(stripe_standin, setup)) == 2


async def test_turning_auto_recharge_on_again_lifts_the_pause(stripe_standin, agency):
    setup = await recharging_client(stripe_standin, agency, card=INSUFFICIENT_FUNDS, balance=900)
    await recharge.after_usage(setup.workspace_id, setup.client_id)
    await credit_settings.save_card(
        setup.workspace_id, setup.client_id, setup.customer_id, _visa(stripe_standin, setup), "Visa"
    )

    await credit_settings.set_auto_recharge(
        setup.workspace_id, setup.client_id, enabled=True, threshold=THRESHOLD, usd=10
    )
    await recharge.after_usage(setup.workspace_id, setup.client_id)

    assert [r["status"] for r in await recharges(setup)] == ["failed", "succeeded"]
    assert await ledger.balance(setup.workspace_id, setup.client_id) == 900 + RECHARGE_CREDITS
    assert (await ledger.account(setup.workspace_id, setup.client_id))["paused_reason"] == ""


def _visa(standin, setup) -> str:
    return (
        standin.sdk()
        .v1.payment_methods.attach(
            "pm_card_visa", params={"customer": setup.customer_id}, options={"stripe_account": setup.account_id}
        )
        .id
    )


async def test_the_clients_email_goes_out_under_the_billing_pages_branding_name(stripe_standin, agency, smtp):
    await Branding.insert(Branding(workspace=agency.workspace.id, display_name="Northwind Studio", updated_at=utcnow()))
    setup = await recharging_client(stripe_standin, agency, card=INSUFFICIENT_FUNDS, balance=900)

    await recharge.after_usage(setup.workspace_id, setup.client_id)

    [to_client] = await outbox("recharge_declined_client")
    assert "Northwind Studio" in to_client.text_body and "Alice Agency" not in to_client.text_body
    [sent_to_client] = [m for m in smtp.messages if m["To"] == CLIENT_EMAIL]
    assert parseaddr(sent_to_client["From"])[0] == "Northwind Studio"
