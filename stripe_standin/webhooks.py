"""Webhook endpoints and delivery: signed like Stripe, sent in the background, retried with backoff."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import random
import secrets
import time
from typing import TYPE_CHECKING, Any

import httpx

from . import render

if TYPE_CHECKING:
    from .server import StandinApp


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header value for ``payload``."""
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{ts}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


class Webhooks:
    def __init__(self, app: StandinApp) -> None:
        self.app = app
        self.queue: asyncio.Queue | None = None
        self.tasks: set[asyncio.Task] = set()
        self.worker: asyncio.Task | None = None
        self.client: httpx.AsyncClient | None = None
        # Stripe retries a failed delivery with backoff, does not keep events in order, and may send one twice:
        # ``duplicate_probability`` sends an event a second time (same id and payload), ``shuffle_window`` holds
        # each delivery back a random 0..window seconds so that later events can overtake earlier ones.
        self.defaults: dict[str, Any] = {
            "max_attempts": 5,
            "base_delay": 0.5,
            "timeout": 5.0,
            "duplicate_probability": 0.0,
            "shuffle_window": 0.0,
            "seed": None,
        }
        self.settings: dict[str, Any] = dict(self.defaults)
        self.rng = random.Random()

    def configure(self, **settings: Any) -> dict:
        self.settings.update({k: v for k, v in settings.items() if k in self.settings})
        if "seed" in settings:
            self.rng = random.Random(settings["seed"])
        return self.settings

    def restore_defaults(self) -> None:
        self.settings = dict(self.defaults)
        self.rng = random.Random(self.defaults["seed"])

    # -- endpoints ---------------------------------------------------------------------
    def register(
        self,
        url: str,
        enabled_events: list[str] | None = None,
        connect: bool = True,
        secret: str | None = None,
        description: str | None = None,
    ) -> dict:
        store = self.app.store
        rec = {
            "id": "we_" + secrets.token_hex(12),
            "url": url,
            "enabled_events": enabled_events or ["*"],
            "connect": connect,
            "secret": secret or "whsec_" + secrets.token_hex(24),
            "created": store.now(),
            "description": description,
        }
        store.webhook_endpoints[rec["id"]] = rec
        return rec

    def endpoints_for(self, evt: dict) -> list[dict]:
        store = self.app.store
        connect_event = evt["account"] != "acct_1StandinPlatform"
        if connect_event and evt["account"] not in store.linked and evt["type"] != "account.application.deauthorized":
            return []  # Stripe only sends Connect webhooks for accounts connected to the platform
        return [
            ep
            for ep in store.webhook_endpoints.values()
            if ep["connect"] == connect_event and ("*" in ep["enabled_events"] or evt["type"] in ep["enabled_events"])
        ]

    # -- delivery ----------------------------------------------------------------------
    def enqueue(self, evt: dict) -> None:
        endpoints = self.endpoints_for(evt)
        if not endpoints:
            return
        acct = self.app.store.account(evt["account"])
        # Only a Connect endpoint's payload names the connected account (Stripe's own events carry none).
        connect_account = evt["account"] if endpoints[0]["connect"] else None
        body = render.event(acct, evt, connect_account) if acct else None
        if body is None:
            return
        body["pending_webhooks"] = len(endpoints)
        payload = json.dumps(body, indent=2)
        for ep in endpoints:
            copies = 2 if self.rng.random() < float(self.settings["duplicate_probability"]) else 1
            for _ in range(copies):
                self._start(evt, ep, payload)

    def _start(self, evt: dict, ep: dict, payload: str) -> None:
        delivery = {
            "id": "whd_" + secrets.token_hex(8),
            "event": evt["id"],
            "type": evt["type"],
            "account": evt["account"],
            "endpoint": ep["id"],
            "url": ep["url"],
            "status": "pending",
            "attempts": [],
            "created": time.time(),
        }
        self.app.store.deliveries.append(delivery)
        hold = self.rng.uniform(0, float(self.settings["shuffle_window"]))
        self._spawn(self.deliver(delivery, ep, payload, hold))

    def _spawn(self, coro) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            coro.close()
            return
        task = loop.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def deliver(self, delivery: dict, ep: dict, payload: str, hold: float = 0.0) -> None:
        if hold:
            await asyncio.sleep(hold)
        max_attempts = int(self.settings["max_attempts"])
        for attempt in range(1, max_attempts + 1):
            delivery["status"] = "sending"
            record: dict[str, Any] = {"attempt": attempt, "at": time.time()}
            try:
                client = self.client or httpx.AsyncClient()
                self.client = client
                resp = await client.post(
                    ep["url"],
                    content=payload.encode(),
                    timeout=float(self.settings["timeout"]),
                    headers={
                        "Content-Type": "application/json; charset=utf-8",
                        "Stripe-Signature": sign(payload, ep["secret"]),
                        "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
                    },
                )
                record["status_code"] = resp.status_code
                ok = 200 <= resp.status_code < 300
            except (httpx.HTTPError, OSError) as exc:
                record["error"] = f"{type(exc).__name__}: {exc}"
                ok = False
            delivery["attempts"].append(record)
            if ok:
                delivery["status"] = "succeeded"
                return
            if attempt < max_attempts:
                delivery["status"] = "retrying"
                delay = float(self.settings["base_delay"]) * (2 ** (attempt - 1))
                delivery["next_attempt_at"] = time.time() + delay
                await asyncio.sleep(delay)
        delivery["status"] = "failed"

    def start(self) -> None:
        pass

    async def stop(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        if self.client is not None:
            await self.client.aclose()
