"""The Stripe card's reading of a run's progress JSON: the overall percent, recent months, invoice lines pending."""

import json

from app.stripe_data.progress import view_of
from app.stripe_data.tables import SyncRun


def _view(status: str, **progress):
    return view_of(SyncRun(status=status, progress=json.dumps(progress)))


def test_the_percent_counts_only_the_types_with_an_estimate_or_done():
    view = _view(
        "running",
        customers={"count": 50, "done": True, "estimate": 50},
        invoices={"count": 25, "done": False, "estimate": 150},
        charges={"count": 999, "done": False, "estimate": None},
    )
    assert view.percent == 37  # 75 of 200


def test_the_percent_never_reaches_100_while_the_run_is_active():
    view = _view("running", customers={"count": 10, "done": True, "estimate": 10}, lines={"pending": 4, "done": 0})
    assert view.percent == 99 and view.lines_pending == 4


def test_a_count_past_its_estimate_does_not_push_the_percent_over():
    assert _view("running", invoices={"count": 500, "done": False, "estimate": 300}).percent == 99


def test_without_any_estimate_there_is_no_percent():
    assert _view("queued", invoices={"count": 5, "done": False, "estimate": None}).percent is None
    assert _view("queued").percent is None


def test_an_old_run_without_the_new_keys_reads_as_not_recent_done_and_no_lines():
    view = _view("running", invoices={"cursor": "in_1", "done": False, "count": 3, "estimate": None})
    assert not view.recent_done and not view.importing_older and view.lines_pending == 0


def test_recent_done_only_means_importing_older_while_the_run_is_active():
    assert _view("running", recent_done=True).importing_older
    assert not _view("done", recent_done=True).importing_older
    assert _view("done").percent == 100
