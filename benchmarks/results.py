"""Benchmark figures written as JSON under bench/results/, each with the machine it ran on.

`make bench` prints the figures; `record` keeps them so docs/performance.md can cite a file, not a memory.
"""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parents[1] / "bench" / "results"


def machine() -> dict[str, Any]:
    """What the figures depend on: CPUs, Python, the database engine the run used."""
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "database": "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite",
        "redis": bool(os.environ.get("REDIS_URL")),
    }


def record(name: str, figures: dict[str, Any]) -> Path:
    """Write `figures` to bench/results/<name>.json (one file per benchmark and engine), and return its path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    body = {"name": name, "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine()}
    path.write_text(json.dumps({**body, "figures": figures}, indent=2, sort_keys=True) + "\n")
    return path
