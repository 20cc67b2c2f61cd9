"""`python -m app worker` processes on the test database and a private queue, for tests that need real consumers.

This process enqueues into their queue through its own Huey built by tasks.queue.build_huey, because the test
session's huey runs tasks inline.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from huey.api import Huey

import tasks
from app.settings import get_settings
from tasks.queue import build_huey

ROOT = Path(__file__).resolve().parents[2]


class Consumers:
    """`python -m app worker` processes sharing one private queue; every one still running is killed at teardown."""

    def __init__(self, log_dir: Path, env: dict[str, str], deadline: float, redis_url: str | None = None) -> None:
        """`env` is added to the consumers' environment; `redis_url` puts their queue (and budget) on Redis."""
        settings = get_settings()
        name = f"{settings.huey_name}-{secrets.token_hex(3)}"
        redis_url = redis_url or settings.redis_url
        self.queue: Huey = build_huey(replace(settings, huey_name=name, redis_url=redis_url))
        self.env = {**os.environ, **env, "HUEY_NAME": name, "PYTHONUNBUFFERED": "1"}
        if redis_url:
            self.env["REDIS_URL"] = redis_url
        self.deadline = deadline
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen] = []

    def start(self) -> subprocess.Popen:
        with (self.log_dir / f"worker-{len(self.processes)}.log").open("w") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "app", "worker", "--workers", "1", "--no-periodic"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.processes.append(process)
        return process

    def enqueue(self, task, *args) -> str:
        """Put the task on the consumers' queue, serialized as tasks.huey would; returns the task id."""
        message = task.s(*args)
        self.queue.storage.enqueue(tasks.huey.serialize_task(message), message.priority)
        return message.id

    def call(self, task, *args):
        """Enqueue and wait for the result a consumer stores."""
        return self.queue.result(self.enqueue(task, *args), blocking=True, timeout=self.deadline)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(self.log_dir.glob("*.log")))

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.queue.flush()
