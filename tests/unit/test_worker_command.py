"""`python -m app worker` starts Huey's consumer, and `--no-periodic` keeps its scheduled tasks from running.

Test workers use the flag: a catch-up firing at a minute mark once changed the rows an unrelated test counted.
"""

import os

import pytest

from app import cli


@pytest.fixture(name="execs")
def fx_execs(monkeypatch) -> list[list[str]]:
    # Replacing this process with the consumer is the one thing a test cannot let happen.
    seen: list[list[str]] = []
    monkeypatch.setattr(os, "execvp", lambda _file, args: seen.append(list(args)))
    return seen


def test_the_worker_runs_periodic_tasks_unless_told_not_to(execs):
    assert cli.main(["worker", "--workers", "3"]) in (0, None)
    assert cli.main(["worker", "--no-periodic"]) in (0, None)
    default, quiet = execs
    assert default[default.index("-w") + 1] == "3" and "--no-periodic" not in default
    assert quiet[-1] == "--no-periodic" and "tasks.huey" in quiet
