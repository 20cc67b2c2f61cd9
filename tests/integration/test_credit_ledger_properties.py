"""Whatever mix of purchases, usage (alone, or in bursts the usage API writes in one batch), refunds, owner
adjustments and repeats happens, the cached balance equals the
ledger's sum, equals what a simple model of the rules expects, and no key is ever credited twice.

No network: purchases and refunds go to the ledger and to `refunds.take_back` as the webhook handlers would, with
the facts Stripe would have answered."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.errors import ValidationFailed
from app.credit_activity.adjustments import record_adjustment
from app.credits import ledger, refunds, usage
from app.credits.tables import CreditEntry, EntryKind
from app.workspaces.services import Actor, set_plan
from app.workspaces.tables import Role
from tests import factories

RUNS = itertools.count()
BURSTS = itertools.count()
KEYS = st.integers(min_value=0, max_value=3)  # few keys, so repeats (Stripe's duplicates) are common
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("buy"), KEYS, st.integers(1, 5000), st.integers(1, 10_000)),
        st.tuples(st.just("use"), st.integers(1, 4000)),
        st.tuples(st.just("refund"), KEYS, KEYS, st.integers(1, 10_000)),
        st.tuples(st.just("adjust"), st.integers(-3000, 3000).filter(bool)),
        st.tuples(st.just("burst"), st.lists(st.integers(1, 3000), min_size=2, max_size=6)),
    ),
    max_size=25,
)


class Model:
    """The rules, stated simply: what the balance must be after each step."""

    def __init__(self) -> None:
        self.balance = 0
        self.bought: dict[str, tuple[int, int]] = {}  # pi key -> (credits, cents)
        self.refunded: dict[str, int] = {}  # refund id -> cents, fixed by its first appearance
        self.taken: Counter[str] = Counter()  # pi key -> credits its refunds took back
        self.spent_keys = 0  # usage API calls recorded (each under its own key)

    def refund_of(self, key: str) -> int:
        return sum(cents for rid, cents in self.refunded.items() if rid.startswith(f"{key}/"))


async def _buy(ws, client_id, model, created, run, key, credits, cents):
    dedupe = f"pi:{run}-{key}"
    appended = await ledger.append(
        ws,
        client_id,
        EntryKind.purchase,
        credits,
        dedupe_key=dedupe,
        amount_minor=cents,
        stripe_payment_intent_id=f"pi_{run}_{key}",
    )
    created[dedupe] += appended.created
    if dedupe not in model.bought:
        model.bought[dedupe] = (credits, cents)
        model.balance += credits


async def _refund(ws, client_id, model, created, run, key, number, cents):
    dedupe = f"pi:{run}-{key}"
    if dedupe not in model.bought:
        return
    purchase = await ledger.entry_by_key(dedupe)
    refund_id = f"{dedupe}/{number}"
    if refund_id not in model.refunded:
        left = model.bought[dedupe][1] - model.refund_of(dedupe)
        if left <= 0:
            return  # Stripe refuses a refund of a fully refunded charge
        model.refunded[refund_id] = min(cents, left)
    appended = await refunds.take_back(purchase, {"id": refund_id, "amount": model.refunded[refund_id]})
    created[f"refund:{refund_id}"] += appended.created
    credits, paid = model.bought[dedupe]
    now_taken = refunds.credits_refunded(credits, model.refund_of(dedupe), paid)
    model.balance -= now_taken - model.taken[dedupe]
    model.taken[dedupe] = now_taken


async def _burst(ws, client_id, model, run, amounts):
    """Usage API calls sent at once: written in one batch, each as if alone in arrival order."""
    keys = [f"burst-{run}-{next(BURSTS)}" for _ in amounts]
    results = await asyncio.gather(
        *(usage.record_usage(ws, client_id, credits, "", key) for credits, key in zip(amounts, keys, strict=True)),
        return_exceptions=True,
    )
    for credits, result in zip(amounts, results, strict=True):
        if credits <= model.balance:
            assert isinstance(result, usage.UsageResult), result
            model.balance -= credits
            model.spent_keys += 1
        else:
            assert isinstance(result, ledger.InsufficientCredits), result


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
async def test_any_sequence_keeps_the_cached_balance_equal_to_the_ledger_and_credits_each_key_once(alice, steps):
    run = next(RUNS)
    ws = alice.workspace.id
    owner = Actor(user=alice.user, workspace=await set_plan(ws, "agency"), role=Role.owner.value)
    client_id = (await factories.client(ws, f"Client {run}")).id
    model, created = Model(), Counter()
    for step in steps:
        if step[0] == "buy":
            await _buy(ws, client_id, model, created, run, *step[1:])
        elif step[0] == "refund":
            await _refund(ws, client_id, model, created, run, *step[1:])
        elif step[0] == "burst":
            await _burst(ws, client_id, model, run, step[1])
        elif step[0] == "use":
            try:
                await ledger.append(ws, client_id, EntryKind.usage, -step[1], floor=0)
                model.balance -= step[1]
            except ledger.InsufficientCredits:
                assert step[1] > model.balance
        else:
            try:
                await record_adjustment(owner, client_id, str(step[1]), "property test")
                model.balance += step[1]
            except ValidationFailed:
                assert model.balance + step[1] < 0
        assert await ledger.balance(ws, client_id) == model.balance

    assert await ledger.ledger_balance(ws, client_id) == model.balance
    assert all(count == 1 for count in created.values())  # each key was written by exactly one call
    keys = await CreditEntry.select(CreditEntry.dedupe_key).where(CreditEntry.client == client_id).output(as_list=True)
    assert (
        len([k for k in keys if k])
        == len({k for k in keys if k})
        == len(model.bought) + len(model.refunded) + model.spent_keys
    )
    for dedupe, (credits, _) in model.bought.items():
        assert model.taken[dedupe] <= credits  # refunds never take back more than the purchase gave
