"""Auto-recharge tests' shared setup: an Agency workspace with a payout account at the stand-in, a client with a
saved card on it and auto-recharge on, and ways to look at what Stripe and the outbox hold afterwards."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.core.tables import OutboxMessage
from app.credit_pricing.services import set_cost_per_credit
from app.credits import ledger, recharge_queue
from app.credits import settings as credit_settings
from app.credits.tables import CreditEntry, EntryKind, Recharge
from tests import factories
from tests.conftest import Persona, make_persona
from tests.integration.auto_billing_support import payout_account_at_stripe
from tests.polling import eventually  # noqa: F401 - re-exported for the recharge tests

VISA = "pm_card_visa"
INSUFFICIENT_FUNDS = "pm_card_chargeDeclinedInsufficientFunds"  # 4000 0000 0000 9995
DECLINES_LATER = "pm_card_chargeCustomerFail"  # 4000 0000 0000 0341
NEEDS_AUTHENTICATION = "pm_card_authenticationRequired"  # 4000 0025 0000 3155
CLIENT_EMAIL = "billing@acme-rockets.test"
THRESHOLD = 1000
RECHARGE_USD = 10
# The guide's example price: our 0.001 + the agency's 0.003 = 0.004 a credit, so $10 = 2,500 credits.
COST_PER_CREDIT = "0.003"
RECHARGE_CREDITS = 2500


@dataclass
class Setup:
    owner: Persona
    client_id: int
    account_id: str
    customer_id: str
    payment_method_id: str

    @property
    def workspace_id(self) -> int:
        return self.owner.workspace.id


@pytest.fixture(name="agency")
async def fx_agency() -> Persona:
    """Owner of Alice Agency, on the Agency plan, with the guide's Cost per Credit."""
    owner = await make_persona("alice@alice-agency.com", "Alice Agency", plan="agency")
    await set_cost_per_credit(owner.actor, COST_PER_CREDIT)
    return owner


async def recharging_client(
    standin, owner: Persona, card: str = VISA, balance: int = 1500, enabled: bool = True, name: str = "Acme Rockets"
) -> Setup:
    """A client whose card `card` is saved on the agency's payout account, auto-recharge on (threshold 1,000
    credits, $10), and `balance` credits bought earlier."""
    payout = await payout_account_at_stripe(standin, owner.workspace.id)
    sdk = standin.sdk()
    on_account = {"stripe_account": payout.stripe_account_id}
    customer = sdk.v1.customers.create(params={"email": CLIENT_EMAIL, "name": name}, options=on_account)
    method = sdk.v1.payment_methods.attach(card, params={"customer": customer.id}, options=on_account)
    client = await factories.client(owner.workspace.id, name, emails=(CLIENT_EMAIL,))
    await credit_settings.save_card(owner.workspace.id, client.id, customer.id, method.id, "Visa ending 4242")
    await credit_settings.set_auto_recharge(
        owner.workspace.id, client.id, enabled=True, threshold=THRESHOLD, usd=RECHARGE_USD
    )
    if not enabled:
        await credit_settings.set_auto_recharge(owner.workspace.id, client.id, enabled=False, threshold=None, usd=None)
    if balance:
        await ledger.append(
            owner.workspace.id, client.id, EntryKind.purchase, balance, dedupe_key=f"pi:seed-{client.id}"
        )
    return Setup(owner, client.id, payout.stripe_account_id, customer.id, method.id)


async def spend(setup: Setup, credits: int) -> None:
    await ledger.append(setup.workspace_id, setup.client_id, EntryKind.usage, -credits, floor=0)


def payment_intents(standin, setup: Setup) -> list[dict]:
    """Every PaymentIntent on the agency's account, as Stripe holds them."""
    page = standin.sdk().v1.payment_intents.list(params={"limit": 100}, options={"stripe_account": setup.account_id})
    return [intent.to_dict() for intent in page.data]


async def recharges(setup: Setup) -> list[dict]:
    return await Recharge.select().where(Recharge.client == setup.client_id).order_by(Recharge.id)


async def recharge_entries(setup: Setup) -> list[dict]:
    return await CreditEntry.select().where(
        (CreditEntry.client == setup.client_id) & (CreditEntry.kind == EntryKind.auto_recharge.value)
    )


async def outbox(kind: str) -> list[OutboxMessage]:
    return await OutboxMessage.objects().where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)


class Dispatched:
    """Stands in for the queue: records the recharges `after_usage` enqueued instead of running them."""

    def __init__(self) -> None:
        self.ids: list[int] = []

    def __call__(self, recharge_id: int) -> None:
        self.ids.append(recharge_id)


@pytest.fixture(name="dispatched")
def fx_dispatched(monkeypatch) -> Dispatched:
    recorder = Dispatched()
    monkeypatch.setattr(recharge_queue.QUEUE, "charge", recorder)
    return recorder
