"""Shared bits for the stand-in's own tests."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.plugins.standin import ELSEWHERE, NORTHWIND_DIGITAL, NORTHWIND_LABS, Standin  # noqa: F401

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared/stripe/fixtures3.json"


def stripe_fixtures() -> dict:
    """Stripe's own example objects (``resources.<type>``), read from ../shared next to the repo."""
    if not FIXTURES.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{FIXTURES} is missing (required in CI)")
        pytest.skip(f"{FIXTURES} is not available outside CI")
    return json.loads(FIXTURES.read_text())["resources"]


def linked_sdk(standin: Standin, account: str = NORTHWIND_DIGITAL):
    """The platform's SDK client and request options for a connected ``account``."""
    standin.link(account)
    return standin.sdk(), {"stripe_account": account}
