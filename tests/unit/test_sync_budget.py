"""The request budget (token buckets) and the retry loop, with a fake clock and a fake Stripe."""

import itertools

import pytest
import stripe

from app.stripe_data.budget import (
    HEADROOM,
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


def _busiest_second(times: list[float]) -> int:
    """The most requests in any one-second window, the way Stripe counts them."""
    return max(sum(1 for t in times if start <= t < start + 1) for start in times)


def _acquire_all(budget: LocalBudget, clock: FakeClock, endpoints: list[str], account: str = "acct_a") -> list[float]:
    times = []
    for endpoint in endpoints:
        budget.acquire(account, endpoint)
        times.append(clock.now)
    return times


def test_the_budget_spaces_requests_evenly_so_no_second_holds_more_than_the_endpoint_rate():
    clock = FakeClock()
    budget = LocalBudget(per_second=25, per_endpoint=10, clock=clock, sleep=clock.sleep)
    times = _acquire_all(budget, clock, ["/v1/invoices"] * 40)
    assert times[0] == 0, "the first request goes at once"
    assert _busiest_second(times) <= 10, "a full second's burst on top of a refill would double the rate"
    assert _busiest_second(times) >= 9, "and most of the budget is used"
    gaps = {round(b - a, 6) for a, b in itertools.pairwise(times)}
    assert gaps == {round(1 / (10 * HEADROOM[1]), 6)}, "evenly spaced, with headroom for jitter on the way"


def test_the_account_budget_caps_all_endpoints_together():
    clock = FakeClock()
    budget = LocalBudget(per_second=25, per_endpoint=10, clock=clock, sleep=clock.sleep)
    times = _acquire_all(budget, clock, [f"/v1/endpoint{i % 10}" for i in range(75)])
    assert 19 <= _busiest_second(times) <= 25, "25 per second across every endpoint, less the headroom"


def test_accounts_have_separate_budgets():
    clock = FakeClock()
    budget = LocalBudget(per_second=25, per_endpoint=10, clock=clock, sleep=clock.sleep)
    for account in ("acct_a", "acct_b", "acct_c"):
        budget.acquire(account, "/v1/invoices")
    assert clock.now == 0, "one account's use does not delay another"
    budget.acquire("acct_a", "/v1/invoices")
    assert clock.now > 0


def test_try_acquire_takes_nothing_when_it_says_to_wait():
    clock = FakeClock()
    budget = LocalBudget(per_second=25, per_endpoint=10, clock=clock, sleep=clock.sleep)
    assert budget.try_acquire("acct_a", "/v1/invoices") == 0
    clock.now += 1 / (25 * HEADROOM[0])  # the account's next token is there, the endpoint's is not
    wait = budget.try_acquire("acct_a", "/v1/invoices")
    assert wait == pytest.approx(1 / (10 * HEADROOM[1]) - 1 / (25 * HEADROOM[0]))
    assert budget.try_acquire("acct_a", "/v1/customers") == 0, "the refused try left the account's token"


class NoBudget:
    def __init__(self) -> None:
        self.holds: list[tuple[str, float]] = []

    def acquire(self, account_id: str, endpoint: str) -> None:
        pass

    def try_acquire(self, account_id: str, endpoint: str) -> float:
        return 0.0

    def hold(self, account_id: str, seconds: float) -> None:
        self.holds.append((account_id, seconds))


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
