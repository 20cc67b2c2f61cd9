"""The backfill's plan: created windows per list, how they split, and what the checkpoint says about them."""

import itertools

from hypothesis import given
from hypothesis import strategies as st

from app.stripe_data.fetcher import MIN_SPLIT_PAGES, PAGE_SIZE, RECENT_DAYS, STREAMS, Plan, Window

NOW = 1_800_000_000
DAY = 86_400


def _fetched(window: Window, newest: int, oldest: int, objects: int = PAGE_SIZE) -> Window:
    window.newest, window.oldest, window.fetched = newest, oldest, objects
    window.next_cursor = f"obj_{oldest}"
    return window


def _finish_customers(plan: Plan, oldest: int) -> None:
    for window in plan.windows["customers"]:
        _fetched(window, NOW, oldest, 40)
        window.done = window.exhausted = True


def test_a_fresh_plan_reads_customers_whole_and_every_other_list_recent_months_then_older_history():
    plan = Plan.load({}, NOW)
    recent = NOW - RECENT_DAYS * DAY
    assert [(w.gte, w.lt) for w in plan.windows["customers"]] == [(None, None)]
    for stream in STREAMS[1:]:
        assert [(w.gte, w.lt) for w in plan.windows[stream.name]] == [(recent, None), (None, recent)]


def test_a_checkpoint_from_before_windows_resumes_as_one_window_at_its_cursor():
    plan = Plan.load({"_since": 1, "invoices": {"cursor": "in_9", "done": False, "count": 300}}, NOW)
    (window,) = plan.windows["invoices"]
    assert (window.gte, window.lt, window.next_cursor, window.count) == (None, None, "in_9", 300)
    assert window.params()["starting_after"] == "in_9" and "created" not in window.params()


def test_the_saved_checkpoint_loads_back_the_same_windows():
    plan = Plan.load({}, NOW)
    window = plan.windows["invoices"][0]
    window.cursor, window.count, window.done = "in_5", 200, True
    again = Plan.load(plan.to_progress(since=NOW - 60), NOW + 3600)
    assert [w.to_json() for w in again.windows["invoices"]] == [w.to_json() for w in plan.windows["invoices"]]
    assert again.recent_start == plan.recent_start, "the 90 days are the run's, not the resume's"


def test_a_window_asks_for_its_created_range_after_its_cursor():
    window = Window("invoices", 100, 200, cursor="in_1")
    window.next_cursor = "in_2"
    assert window.params() == {"limit": PAGE_SIZE, "created": {"gte": 100, "lt": 200}, "starting_after": "in_2"}


def test_recent_months_are_done_once_customers_and_every_recent_window_are_written():
    plan = Plan.load({}, NOW)
    _finish_customers(plan, NOW - 700 * DAY)
    assert not plan.check_recent_done()
    for stream in STREAMS[1:]:
        plan.windows[stream.name][0].done = True
    assert plan.check_recent_done(), "older history may still be running"
    plan.windows["invoices"][0].done = False
    assert plan.check_recent_done(), "once shown, the recent months stay shown"


def test_a_small_list_is_not_split():
    plan = Plan.load({}, NOW)
    _finish_customers(plan, NOW - 700 * DAY)
    # 30 objects over the whole recent window: nothing left below them.
    _fetched(plan.windows["refunds"][0], NOW, plan.recent_start + DAY, 30)
    assert plan.split("refunds", wanted=4) is None


def test_a_large_list_is_split_at_the_middle_of_what_is_left_of_its_largest_window():
    plan = Plan.load({}, NOW)
    _finish_customers(plan, NOW - 700 * DAY)
    window = _fetched(plan.windows["invoices"][1], plan.recent_start, plan.recent_start - DAY)
    older = plan.split("invoices", wanted=4)
    floor = NOW - 700 * DAY
    mid = (floor + plan.recent_start - DAY) // 2
    assert (older.gte, older.lt) == (None, mid), "the oldest window stays open below, whatever the floor"
    assert (window.gte, window.lt) == (mid, plan.recent_start) and window.next_cursor, "keeps its cursor"
    assert window.remaining_pages(floor) >= MIN_SPLIT_PAGES


def test_an_estimate_extrapolates_the_density_seen_over_what_is_left():
    plan = Plan.load({}, NOW)
    _finish_customers(plan, NOW - 10 * DAY - 1000)
    window = _fetched(plan.windows["invoices"][0], NOW, NOW - DAY)  # 100 invoices a day
    window.count = 100
    progress = plan.to_progress(since=NOW)
    # 89 more recent days and 10 older ones at 100 a day, on top of the 100 written.
    assert 9_000 <= progress["invoices"]["estimate"] <= 11_000
    assert progress["customers"]["estimate"] == progress["customers"]["count"], "a finished list is exact"


@given(st.lists(st.tuples(st.integers(0, 2), st.floats(0.05, 0.95)), max_size=25))
def test_however_windows_split_they_cover_all_of_time_once(steps):
    plan = Plan.load({}, NOW)
    _finish_customers(plan, NOW - 800 * DAY)
    for pick, depth in steps:
        windows = [w for w in plan.windows["charges"] if not w.exhausted]
        window = windows[pick % len(windows)]
        low = window.gte if window.gte is not None else NOW - 800 * DAY
        high = window.lt or NOW
        if high - low < 2:
            continue
        position = int(high - (high - low) * depth)
        _fetched(window, high - 1, position, PAGE_SIZE * 10)
        plan.split("charges", wanted=64)
    ends = [(w.gte if w.gte is not None else -1, w.lt if w.lt is not None else 2**40) for w in plan.windows["charges"]]
    bounds = sorted(ends)
    assert bounds[0][0] == -1 and bounds[-1][1] == 2**40, "open at both ends"
    for (_, upper), (lower, _) in itertools.pairwise(bounds):
        assert upper == lower, "no gap and no overlap between neighbours"
    for window in plan.windows["charges"]:
        assert window.oldest is None or window.gte is None or window.oldest >= window.gte, "no cursor left outside"
