"""`python -m app migrate` leaves a new SQLite database in WAL mode with 16 KB pages (properties of the file)."""

import os
import sqlite3
import subprocess
import sys

from tests.plugins.database import ROOT


def test_migrate_puts_a_fresh_sqlite_database_in_wal_mode_with_sixteen_kilobyte_pages(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SQLITE_PATH"}}
    env["DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "app", "migrate"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "Database is up to date." in result.stdout
    database = tmp_path / "clientpulse.sqlite3"
    assert database.exists()
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA page_size").fetchone()[0] == 16384
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"app_user", "workspace", "client"} <= tables
