"""The catch-up runs on the period SYNC_CATCHUP_MINUTES sets, and the sync's messages promise that same period."""

from datetime import datetime

from app.core.timeutil import duration_in_words
from app.settings import get_settings
from app.stripe_data.sync import CRASH_MESSAGE, UNAVAILABLE_MESSAGE, catchup_every
from tasks.sync import catch_up_all


def test_the_catch_up_runs_at_each_multiple_of_the_setting_and_not_in_between():
    every = get_settings().sync_catchup_minutes
    runs = [
        minute for minute in range(60) if catch_up_all.task_class().validate_datetime(datetime(2026, 5, 4, 9, minute))
    ]
    assert runs == list(range(0, 60, every))


def test_the_retry_promises_read_the_same_setting():
    assert catchup_every() == duration_in_words(get_settings().sync_catchup_minutes * 60)
    assert all("{retry}" in message for message in (UNAVAILABLE_MESSAGE, CRASH_MESSAGE))


def test_a_crashed_sync_tells_people_where_to_write():
    message = CRASH_MESSAGE.format(what="invoices", retry=catchup_every(), support=get_settings().support_email)
    assert get_settings().support_email in message and "{" not in message
