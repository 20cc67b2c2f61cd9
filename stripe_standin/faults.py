"""Switchable faults: latency, rate limiting (per account and per endpoint), injected 5xx."""

from __future__ import annotations

import random
import re
import time
from collections import defaultdict, deque
from typing import Any

from .wire import StripeError

_ID_SEGMENT = re.compile(r"/(?:cus|sub|in|ch|re|price|prod|evt|acct|we|il|si)_[A-Za-z0-9]+(?=/|$)")

DEFAULTS: dict[str, Any] = {
    "latency_ms": 0,
    "rate_limit": False,
    "account_rps": 100,
    "endpoint_rps": 25,
    "fail_next": 0,
    "fail_probability": 0.0,
    "fail_seed": 0,
    "fail_path": None,
    "fail_status": 500,
}


def endpoint_key(method: str, path: str) -> str:
    """``GET /v1/invoices/in_123/lines`` -> ``GET /v1/invoices/{id}/lines``."""
    return f"{method} {_ID_SEGMENT.sub('/{id}', path)}"


# What Stripe answers with each status (type, code, message), so the SDK raises the matching error class.
_INJECTED = {
    400: ("invalid_request_error", "parameter_invalid_empty", "Invalid request"),
    401: ("invalid_request_error", None, "Invalid API Key provided"),
    402: ("card_error", "card_declined", "Your card was declined"),
    403: ("invalid_request_error", "account_invalid", "The provided key does not have access to this account"),
    404: ("invalid_request_error", "resource_missing", "No such object"),
    429: ("invalid_request_error", "rate_limit", "Request rate limit exceeded"),
    500: ("api_error", None, "An unknown error occurred"),
}


class Faults:
    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.config: dict[str, Any] = dict(DEFAULTS)
        self.rng = random.Random(0)
        self.windows: dict[str, deque] = defaultdict(deque)
        self.injected = 0
        self.limited = 0

    def update(self, **changes: Any) -> dict:
        unknown = set(changes) - set(DEFAULTS)
        if unknown:
            raise ValueError(f"unknown fault settings: {sorted(unknown)}")
        self.config.update(changes)
        if "fail_seed" in changes or "fail_probability" in changes:
            self.rng = random.Random(self.config["fail_seed"])
        if "rate_limit" in changes:
            self.windows.clear()
        return self.snapshot()

    def snapshot(self) -> dict:
        return {**self.config, "injected_failures": self.injected, "rate_limited": self.limited}

    @property
    def latency(self) -> float:
        return max(0, float(self.config["latency_ms"] or 0)) / 1000.0

    def check_rate_limit(self, account: str, method: str, path: str) -> None:
        if not self.config["rate_limit"]:
            return
        now = time.monotonic()
        for key, limit in (
            (f"acct:{account}", int(self.config["account_rps"])),
            (f"ep:{account}:{endpoint_key(method, path)}", int(self.config["endpoint_rps"])),
        ):
            window = self.windows[key]
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) >= limit:
                self.limited += 1
                raise StripeError(
                    429,
                    "Request rate limit exceeded. You can learn more about rate limits here "
                    "https://stripe.com/docs/rate-limits.",
                    code="rate_limit",
                    headers={"Stripe-Should-Retry": "true", "Retry-After": "1"},
                )
        for key in (f"acct:{account}", f"ep:{account}:{endpoint_key(method, path)}"):
            self.windows[key].append(now)

    def check_failure(self, path: str) -> None:
        prefix = self.config["fail_path"]
        if prefix and not path.startswith(prefix):
            return
        fail = False
        if int(self.config["fail_next"] or 0) < 0:
            fail = True  # fail_next=-1: every matching request fails until the faults are cleared
        elif int(self.config["fail_next"] or 0) > 0:
            self.config["fail_next"] = int(self.config["fail_next"]) - 1
            fail = True
        elif float(self.config["fail_probability"] or 0) > 0:
            fail = self.rng.random() < float(self.config["fail_probability"])
        if fail:
            self.injected += 1
            status = int(self.config["fail_status"] or 500)
            kind, code, message = _INJECTED.get(status, _INJECTED[500] if status >= 500 else _INJECTED[400])
            retry = {"Stripe-Should-Retry": "true"} if status >= 500 or status == 429 else {}
            if status == 429:
                retry["Retry-After"] = "1"
            raise StripeError(status, f"{message} (injected by the stand-in).", type=kind, code=code, headers=retry)
