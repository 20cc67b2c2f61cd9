"""The operator command line: `python -m app ...` (run as a real subprocess against the test database)."""

import subprocess
import sys

from tests.plugins.database import ROOT


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_create_user_then_set_plan_then_refuse_a_bad_plan():
    created = _cli("create-user", "ops@cli.agency", "cli-password-123", "--workspace", "CLI Agency")
    assert created.returncode == 0, created.stderr
    assert "Created ops@cli.agency as owner of workspace" in created.stdout
    workspace_id = created.stdout.split("workspace ")[1].split(" ")[0]
    upgraded = _cli("set-plan", workspace_id, "agency")
    assert upgraded.returncode == 0 and "is now on the agency plan" in upgraded.stdout
    bad = _cli("set-plan", workspace_id, "platinum")
    assert bad.returncode != 0 and "invalid choice" in bad.stderr
    missing = _cli("set-plan", "999999", "pro")
    assert missing.returncode == 1 and "No such workspace" in missing.stderr


def test_create_user_reports_a_taken_email():
    assert _cli("create-user", "dup@cli.agency", "cli-password-123").returncode == 0
    again = _cli("create-user", "dup@cli.agency", "cli-password-123")
    assert again.returncode == 1 and "already exists" in again.stderr
