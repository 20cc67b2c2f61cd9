"""The request budget (sliding logs of send times) and the retry loop, with a fake clock and a fake Stripe."""

import random

import pytest
import stripe

from app.stripe_data.budget import (
    IN_FLIGHT,
    SPREAD,
    WINDOW,
    AccessRevoked,
    BudgetedReader,
    LocalBudget,
    RetryPolicy,
    StripeRefused,
    StripeUnavailable,
    endpoint_key,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_endpoint_keys_ignore_object_ids():
    assert endpoint_key("/v1/invoices/in_1AbC/lines") == "/v1/invoices/{id}/lines"
    assert endpoint_key("/v1/customers") == "/v1/customers"
    assert endpoint_key("/v1/accounts/acct_1Northwind") == "/v1/accounts/{id}"


def _busiest(times: list[float], window: float = 1.0) -> int:
    """The most requests within any `window` seconds ([t, t + window)), the way Stripe counts a second."""
    return max(sum(1 for t in times if start <= t < start + window - 1e-9) for start in times)


def _budget(clock: FakeClock, per_second: int = 25, per_endpoint: int = 10) -> LocalBudget:
    return LocalBudget(per_second=per_second, per_endpoint=per_endpoint, clock=clock, sleep=clock.sleep)


def _acquire_all(budget: LocalBudget, clock: FakeClock, endpoints: list[str], account: str = "acct_a") -> list[float]:
    """Each request answered the moment it is sent: it counts for WINDOW."""
    times = []
    for endpoint in endpoints:
        budget.acquire(account, endpoint)
        budget.answered(account, endpoint, arrived_before=0)
        times.append(clock.now)
    return times


def test_a_seconds_worth_goes_at_twice_the_even_pace_and_the_next_waits_for_the_first_to_stop_counting():
    clock = FakeClock()
    times = _acquire_all(_budget(clock), clock, ["/v1/invoices"] * 11)
    assert times[:10] == pytest.approx([n * WINDOW / 10 * SPREAD for n in range(10)])
    assert times[10] == pytest.approx(WINDOW)


def test_no_window_ever_holds_more_than_the_endpoint_rate_and_nearly_all_of_it_is_used():
    clock = FakeClock()
    times = _acquire_all(_budget(clock), clock, ["/v1/invoices"] * 40)
    assert _busiest(times, WINDOW) == 10
    assert clock.now < 4 * WINDOW, "40 requests take four windows at most: 1/WINDOW of the rate"


def test_the_account_budget_caps_all_endpoints_together():
    clock = FakeClock()
    times = _acquire_all(_budget(clock), clock, [f"/v1/endpoint{i % 10}" for i in range(75)])
    assert _busiest(times, WINDOW) == 25, "25 per window across every endpoint"


def test_however_late_requests_arrive_no_second_ever_holds_more_arrivals_than_the_limits():
    """A simulation: each request is held up on the way by anything from nothing to a stall of most of a second,
    then the server takes at least FLOOR to answer. The stand-in, and Stripe, count arrivals."""
    floor, clock, rng = 0.15, FakeClock(), random.Random(10)
    budget = _budget(clock)
    arrivals: dict[str, list[float]] = {}
    answers: list[tuple[float, str]] = []
    while clock.now < 30:
        for answer in [a for a in answers if a[0] <= clock.now]:
            answers.remove(answer)
            budget.answered("acct_a", answer[1], floor)
        endpoint = rng.choice(["/v1/invoices", "/v1/invoices/{id}/lines", "/v1/charges"])
        if budget.try_acquire("acct_a", endpoint) == 0:
            arrived = clock.now + rng.choice([0.001, 0.001, 0.01, 0.05, 0.2, 0.8])
            arrivals.setdefault(endpoint, []).append(arrived)
            answers.append((arrived + floor + rng.uniform(0, 0.3), endpoint))
        clock.now += 0.005
    assert max(_busiest(times) for times in arrivals.values()) == 10
    assert _busiest([t for times in arrivals.values() for t in times]) <= 25
    assert sum(map(len, arrivals.values())) > 30 * 25 * 0.7, "and most of the budget was used"


def test_without_the_answers_the_same_stalls_would_put_one_too_many_into_a_second():
    # The guard above is the answers, not luck: counting each request for WINDOW from its send alone fails.
    clock, rng = FakeClock(), random.Random(10)
    budget = _budget(clock)
    sends = _acquire_all(budget, clock, ["/v1/invoices/{id}/lines"] * 200)
    arrivals = [t + (0.3 if n // 10 % 2 == 0 else 0.001) + rng.uniform(0, 0.01) for n, t in enumerate(sends)]
    assert _busiest(arrivals) > 10


def test_a_request_counts_until_it_is_answered_and_then_a_second_from_the_latest_it_can_have_arrived():
    clock = FakeClock()
    budget = _budget(clock)
    for _ in range(10):
        budget.acquire("acct_a", "/v1/invoices")
    clock.now = 2.0
    assert budget.try_acquire("acct_a", "/v1/invoices") > 0, "ten still in flight"
    for _ in range(10):
        budget.answered("acct_a", "/v1/invoices", arrived_before=0.2)
    clock.now = 2.79
    assert budget.try_acquire("acct_a", "/v1/invoices") > 0, "answered at 2.0, so arrived by 1.8: counts to 2.8"
    clock.now = 2.8
    assert budget.try_acquire("acct_a", "/v1/invoices") == 0


def test_a_request_never_answered_is_forgotten_after_in_flight_seconds():
    clock = FakeClock()
    budget = _budget(clock, per_endpoint=1)
    budget.acquire("acct_a", "/v1/invoices")
    assert budget.try_acquire("acct_a", "/v1/invoices") == pytest.approx(IN_FLIGHT)
    clock.now = IN_FLIGHT
    assert budget.try_acquire("acct_a", "/v1/invoices") == 0


def test_under_any_interleaving_with_holds_no_window_holds_more_than_either_limit():
    clock, rng = FakeClock(), random.Random(10)
    budget = _budget(clock)
    sent: dict[str, list[float]] = {}
    for _ in range(2_000):
        clock.now += rng.choice([0, 0, 0.001, 0.01, 0.05, 0.3])
        endpoint = rng.choice(["/v1/invoices", "/v1/invoices/{id}/lines", "/v1/charges", "/v1/customers"])
        if rng.random() < 0.01:
            budget.hold("acct_a", rng.uniform(0, 3))
        if budget.try_acquire("acct_a", endpoint) == 0:
            budget.answered("acct_a", endpoint, arrived_before=0)
            sent.setdefault(endpoint, []).append(clock.now)
    assert max(_busiest(times, WINDOW) for times in sent.values()) <= 10
    assert _busiest([t for times in sent.values() for t in times], WINDOW) <= 25


def test_accounts_have_separate_budgets():
    clock = FakeClock()
    budget = _budget(clock, per_second=1, per_endpoint=1)
    for account in ("acct_a", "acct_b", "acct_c"):
        budget.acquire(account, "/v1/invoices")
    assert clock.now == 0, "one account's use does not delay another"
    budget.answered("acct_a", "/v1/invoices", arrived_before=0)
    budget.acquire("acct_a", "/v1/invoices")
    assert clock.now > 0


def test_try_acquire_takes_nothing_when_it_says_to_wait():
    clock = FakeClock()
    budget = _budget(clock, per_second=3, per_endpoint=2)
    for _ in range(2):
        assert budget.try_acquire("acct_a", "/v1/invoices") == 0
        budget.answered("acct_a", "/v1/invoices", arrived_before=0)
        clock.now += 0.5
    assert budget.try_acquire("acct_a", "/v1/invoices") == pytest.approx(WINDOW - 1.0), "full until 0 + WINDOW"
    assert budget.try_acquire("acct_a", "/v1/customers") == 0, "the refused try left room on the account"
    assert budget.try_acquire("acct_a", "/v1/customers") > 0, "which is now full"


class NoBudget:
    def __init__(self) -> None:
        self.holds: list[tuple[str, float]] = []

    def acquire(self, account_id: str, endpoint: str) -> None:
        pass

    def try_acquire(self, account_id: str, endpoint: str) -> float:
        return 0.0

    def hold(self, account_id: str, seconds: float) -> None:
        self.holds.append((account_id, seconds))

    def answered(self, account_id: str, endpoint: str, arrived_before: float) -> None:
        pass


class FakeReader:
    """Answers with the queued errors first, then a page."""

    account_id = "acct_a"

    def __init__(self, *errors: stripe.StripeError) -> None:
        self.errors = list(errors)
        self.calls = 0

    def get(self, path: str, **params):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return {"object": "list", "data": [], "has_more": False}


def error(cls, status: int, headers: dict | None = None, code: str | None = None) -> stripe.StripeError:
    body = {"error": {"code": code, "message": "x"}} if code else None
    return cls("x", http_status=status, headers=headers or {}, json_body=body, code=code)


def reader_with(*errors, attempts: int = 5) -> tuple[BudgetedReader, FakeReader, FakeClock]:
    fake, clock = FakeReader(*errors), FakeClock()
    reader = BudgetedReader(
        "acct_a", budget=NoBudget(), retry=RetryPolicy(attempts=attempts), reader=fake, sleep=clock.sleep
    )
    return reader, fake, clock


def test_a_hold_makes_every_request_to_the_account_wait_that_long():
    clock = FakeClock()
    budget = LocalBudget(per_second=25, per_endpoint=10, clock=clock, sleep=clock.sleep)
    budget.hold("acct_a", 3.0)
    assert budget.try_acquire("acct_a", "/v1/invoices") == pytest.approx(3.0)
    assert budget.try_acquire("acct_a", "/v1/customers") == pytest.approx(3.0), "every endpoint of the account"
    assert budget.try_acquire("acct_b", "/v1/invoices") == 0, "not other accounts"
    clock.now += 3.0
    assert budget.try_acquire("acct_a", "/v1/invoices") == 0


def test_a_429_holds_the_whole_accounts_budget_for_the_wait_it_asks():
    reader, _, clock = reader_with(error(stripe.RateLimitError, 429, {"Retry-After": "3"}))
    reader.get("/v1/invoices")
    assert reader.budget.holds == [("acct_a", clock.slept[0])] and clock.slept[0] >= 3


def test_a_500_holds_nothing_but_its_own_retry():
    reader, _, _ = reader_with(error(stripe.APIError, 500))
    reader.get("/v1/invoices")
    assert reader.budget.holds == []


def test_429_is_retried_after_stripes_retry_after():
    reader, fake, clock = reader_with(error(stripe.RateLimitError, 429, {"Retry-After": "3"}))
    assert reader.get("/v1/customers")["data"] == []
    assert fake.calls == 2 and clock.slept[0] >= 3


def test_5xx_backs_off_exponentially_and_gives_up_after_the_last_attempt():
    reader, fake, clock = reader_with(*[error(stripe.APIError, 500) for _ in range(5)], attempts=5)
    with pytest.raises(StripeUnavailable, match="500"):
        reader.get("/v1/invoices")
    assert fake.calls == 5 and len(clock.slept) == 4
    assert clock.slept[3] > clock.slept[0], "each wait longer than the first"


def test_stripe_should_retry_false_is_not_retried():
    reader, fake, _ = reader_with(error(stripe.APIError, 500, {"Stripe-Should-Retry": "false"}))
    with pytest.raises(StripeUnavailable):
        reader.get("/v1/invoices")
    assert fake.calls == 1


@pytest.mark.parametrize("status,code", [(403, "account_invalid"), (401, "platform_api_key_expired"), (403, None)])
def test_a_revoked_token_is_not_retried(status, code):
    reader, fake, _ = reader_with(error(stripe.PermissionError, status, code=code))
    with pytest.raises(AccessRevoked):
        reader.get("/v1/customers")
    assert fake.calls == 1


@pytest.mark.parametrize("status,code", [(400, "parameter_invalid_empty"), (404, "resource_missing")])
def test_a_4xx_about_one_object_is_a_refusal_that_names_stripes_answer(status, code):
    refusal = stripe.InvalidRequestError(
        "x",
        None,
        http_status=status,
        headers={"Stripe-Should-Retry": "false"},
        json_body={"error": {"code": code, "message": "x"}},
        code=code,
    )
    reader, fake, _ = reader_with(refusal)
    with pytest.raises(StripeRefused) as refused:
        reader.get("/v1/invoices/in_1/lines")
    assert (refused.value.status, refused.value.code, refused.value.stripe_message) == (status, code, "x")
    assert isinstance(refused.value, StripeUnavailable), "a refused list still fails the run as before"
    assert fake.calls == 1


def test_a_403_that_is_not_revoked_still_concerns_the_account_not_one_object():
    reader, _, _ = reader_with(error(stripe.PermissionError, 403, code="secret_key_required"))
    with pytest.raises(StripeUnavailable) as failed:
        reader.get("/v1/invoices/in_1/lines")
    assert not isinstance(failed.value, StripeRefused)


def test_the_retry_scale_shrinks_every_wait():
    assert RetryPolicy(scale=0.01).delay(1, retry_after=1.0) == pytest.approx(0.01)
    assert RetryPolicy(max_delay=2).delay(10, retry_after=None) <= 2
