"""The statistics `make bench` reads from the stand-in's request log: peaks per second, and a budget's ceiling."""

from benchmarks.request_log import arrival, pace, peak_in_any_second


def _get(path: str, arrived: float, duration_ms: float = 150.0, status: int = 200, method: str = "GET") -> dict:
    # The stand-in logs a request when it answers: its `time` is the arrival plus the time it took.
    return {
        "method": method,
        "path": path,
        "query": "",
        "status": status,
        "time": arrived + duration_ms / 1000,
        "duration_ms": duration_ms,
    }


def test_a_request_arrived_its_duration_before_it_was_logged():
    assert arrival(_get("/v1/customers", 100.0, duration_ms=250)) == 100.0


def test_no_requests_have_a_peak_of_zero():
    assert peak_in_any_second([]) == 0


def test_requests_evenly_spaced_at_the_rate_peak_at_the_rate():
    assert peak_in_any_second([i / 25 for i in range(250)]) == 25


def test_a_window_straddling_two_clock_seconds_counts_the_burst_across_them():
    # 10 at 0.6 s and 10 at 1.4 s: no clock second holds more than 10, yet one second of time holds all 20.
    assert peak_in_any_second([0.6] * 10 + [1.4] * 10) == 20


def test_a_request_exactly_one_second_later_falls_in_the_next_window():
    assert peak_in_any_second([0.0, 0.5, 1.0]) == 2
    assert peak_in_any_second([0.0, 0.5, 0.999]) == 3


def test_the_order_of_the_log_does_not_change_the_peak():
    times = [3.2, 0.1, 0.2, 5.0, 0.3, 3.3, 0.95]
    assert peak_in_any_second(times) == peak_in_any_second(sorted(times)) == 4


def test_peaks_use_arrivals_not_answers():
    # Answered together (arrival + latency = 1.0 s) but sent a second apart: never two in one second.
    rows = [_get("/v1/customers", 0.0, duration_ms=1000), _get("/v1/customers", 1.0, duration_ms=0)]
    assert pace(rows).peak_account == 1


def test_each_invoices_lines_count_against_one_endpoint():
    rows = [_get(f"/v1/invoices/in_{i}/lines", i / 100) for i in range(12)] + [_get("/v1/invoices", 0.05)]
    result = pace(rows)
    assert result.peak_by_endpoint == {"GET /v1/invoices/{id}/lines": 12, "GET /v1/invoices": 1}
    assert result.peak_account == 13 and result.peak_endpoint == 12
    assert result.gets_by_endpoint == {"GET /v1/invoices/{id}/lines": 12, "GET /v1/invoices": 1}


def test_the_ceiling_is_the_account_rate_or_the_busiest_endpoint_whichever_takes_longer():
    rows = [_get("/v1/invoices", i) for i in range(50)] + [_get(f"/v1/invoices/in_{i}/lines", i) for i in range(60)]
    result = pace(rows)
    assert result.ceiling(per_second=25, per_endpoint=10) == 6.0  # 60 lines pages at 10/s > 110 GETs at 25/s
    assert result.ceiling(per_second=10, per_endpoint=25) == 11.0  # 110 GETs at 10/s


def test_rate_limited_requests_are_counted_and_still_cost_the_budget():
    rows = [_get("/v1/charges", 0.0), _get("/v1/charges", 0.1, status=429), _get("/v1/charges", 1.5)]
    result = pace(rows)
    assert result.rate_limited == 1 and result.gets == 3


def test_only_peaks_above_the_budget_are_reported():
    rows = [_get("/v1/charges", i / 20) for i in range(20)] + [_get("/v1/refunds", 0.5)]
    assert pace(rows).over_budget(per_second=25, per_endpoint=10) == ["GET /v1/charges: 20/s > 10/s"]
    assert pace(rows).over_budget(per_second=20, per_endpoint=20) == ["account: 21/s > 20/s"]
    assert pace(rows).over_budget(per_second=25, per_endpoint=20) == []


def test_posts_count_towards_the_peaks_but_not_the_sync_s_gets():
    rows = [_get("/v1/customers", 0.0), _get("/v1/customers", 0.1, method="POST")]
    result = pace(rows)
    assert result.peak_account == 2 and result.gets == 1


def test_the_span_runs_from_the_first_arrival_to_the_last_answer():
    rows = [_get("/v1/customers", 10.0), _get("/v1/invoices", 12.0, duration_ms=500)]
    assert pace(rows).span == 2.5
    assert pace([]).span == 0.0
