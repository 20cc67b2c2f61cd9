"""The log-in throttle says how long to wait in words, rounded up, from the window rather than a fixed text."""

import pytest

from app.accounts.throttle import LoginThrottled
from app.core.timeutil import duration_in_words


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (1, "1 second"),
        (45, "45 seconds"),
        (60, "1 minute"),
        (61, "2 minutes"),
        (900, "15 minutes"),
        (7200, "120 minutes"),
        (7201, "3 hours"),
        (86400, "24 hours"),
    ],
)
def test_it_describes_a_duration_rounded_up(seconds, words):
    assert duration_in_words(seconds) == words


def test_the_throttled_message_carries_the_wait_and_its_seconds():
    error = LoginThrottled(1800)
    assert error.retry_after == 1800
    assert "Try again in 30 minutes" in error.message
