"""In-memory state of the stand-in: accounts, users, per-account objects, OAuth links.

Objects are kept as small internal dicts and rendered to Stripe's JSON on read
(see ``render.py``), so that 100k+ invoices fit comfortably in memory.
"""

from __future__ import annotations

import base64
import os
import random
import string
import time
from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

ALNUM = string.ascii_letters + string.digits
_B64_TO_ALNUM = str.maketrans("+/", "Az")


def fast_token(rng: random.Random, length: int) -> str:
    """A random alphanumeric token (like the tail of a Stripe id), cheap to make."""
    raw = rng.getrandbits(6 * length + 6).to_bytes((6 * length + 13) // 8, "big")
    return base64.b64encode(raw).decode().translate(_B64_TO_ALNUM)[:length]


PLATFORM_ACCOUNT_ID = "acct_1StandinPlatform"
DEFAULT_SECRET_KEY = "sk_test_standin_platform"
DEFAULT_CLIENT_ID = "ca_standin_clientpulse"

# Object types stored per account, keyed by id prefix (for expansion and lookup).
PREFIX_TYPES = {
    "cus_": "customers",
    "sub_": "subscriptions",
    "in_": "invoices",
    "ch_": "charges",
    "re_": "refunds",
    "price_": "prices",
    "prod_": "products",
    "evt_": "events",
    "po_": "payouts",
    "pi_": "payment_intents",
    "pm_": "payment_methods",
    "fee_": "application_fees",
    "seti_": "setup_intents",
}


class Index:
    """Records sorted newest first (by created, then insertion order)."""

    __slots__ = ("dirty", "keys", "recs")

    def __init__(self) -> None:
        self.recs: list[dict] = []
        self.keys: list[tuple] = []
        self.dirty = False

    def add(self, rec: dict) -> None:
        self.recs.append(rec)
        self.dirty = True

    def remove(self, rec: dict) -> None:
        self.recs.remove(rec)
        self.dirty = True

    def ensure(self) -> None:
        if self.dirty:
            self.recs.sort(key=lambda r: r["_k"])
            self.keys = [r["_k"] for r in self.recs]
            self.dirty = False

    def scan(self, *, after_key=None, max_created=None) -> Iterator[dict]:
        """Yield records older than ``after_key`` (exclusive), newest first."""
        self.ensure()
        start = 0
        if after_key is not None:
            start = bisect_left(self.keys, after_key)
            if start < len(self.keys) and self.keys[start] == after_key:
                start += 1
        if max_created is not None:
            start = max(start, bisect_left(self.keys, (-max_created, float("-inf"))))
        recs = self.recs
        for i in range(start, len(recs)):
            yield recs[i]

    def scan_newer(self, before_key) -> Iterator[dict]:
        """Yield records newer than ``before_key``, oldest of them first."""
        self.ensure()
        end = bisect_left(self.keys, before_key)
        for i in range(end - 1, -1, -1):
            yield self.recs[i]

    def __len__(self) -> int:
        return len(self.recs)


class Collection:
    """Objects of one type in one account, with a per-customer sub-index."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.by_id: dict[str, dict] = {}
        self.all = Index()
        self.by_customer: dict[str, Index] = {}

    def add(self, rec: dict, seq: int) -> dict:
        rec["_k"] = (-rec["created"], -seq)
        self.by_id[rec["id"]] = rec
        self.all.add(rec)
        cust = rec.get("customer")
        if cust:
            self.by_customer.setdefault(cust, Index()).add(rec)
        return rec

    def get(self, obj_id: str) -> dict | None:
        return self.by_id.get(obj_id)

    def index_for(self, customer: str | None) -> Index:
        if customer is None:
            return self.all
        return self.by_customer.get(customer) or Index()

    def __len__(self) -> int:
        return len(self.by_id)


@dataclass
class AccountData:
    account: dict
    customers: Collection = field(default_factory=lambda: Collection("customer"))
    products: Collection = field(default_factory=lambda: Collection("product"))
    prices: Collection = field(default_factory=lambda: Collection("price"))
    coupons: dict[str, dict] = field(default_factory=dict)
    # Every discount ever applied, by id: a spent one is gone from its subscription but its invoices still name it.
    discounts: dict[str, dict] = field(default_factory=dict)
    subscriptions: Collection = field(default_factory=lambda: Collection("subscription"))
    invoices: Collection = field(default_factory=lambda: Collection("invoice"))
    charges: Collection = field(default_factory=lambda: Collection("charge"))
    refunds: Collection = field(default_factory=lambda: Collection("refund"))
    events: Collection = field(default_factory=lambda: Collection("event"))
    payouts: Collection = field(default_factory=lambda: Collection("payout"))
    # Balance by currency: {"usd": {"available": 0, "pending": 0}} (connected accounts created by the platform).
    balance: dict[str, dict[str, int]] = field(default_factory=dict)
    checkout_sessions: dict[str, dict] = field(default_factory=dict)
    payment_intents: Collection = field(default_factory=lambda: Collection("payment_intent"))
    payment_methods: Collection = field(default_factory=lambda: Collection("payment_method"))
    setup_intents: Collection = field(default_factory=lambda: Collection("setup_intent"))
    # On the platform: the fees it took from its connected accounts' charges.
    application_fees: Collection = field(default_factory=lambda: Collection("application_fee"))

    def collection(self, name: str) -> Collection:
        return getattr(self, name)

    def lookup(self, obj_id: str) -> tuple[str, dict] | tuple[None, None]:
        for prefix, name in PREFIX_TYPES.items():
            if obj_id.startswith(prefix):
                rec = self.collection(name).get(obj_id)
                return (name, rec) if rec else (None, None)
        return None, None


class Store:
    """Everything the stand-in knows. One instance per server process."""

    def __init__(self, secret_key: str | None = None, client_id: str | None = None) -> None:
        self.secret_key = secret_key or os.environ.get("STANDIN_SECRET_KEY") or DEFAULT_SECRET_KEY
        self.client_id = client_id or os.environ.get("STANDIN_CLIENT_ID") or DEFAULT_CLIENT_ID
        env_now = os.environ.get("STANDIN_NOW")
        self.fixed_now: int | None = int(env_now) if env_now else None
        self.webhook_endpoints: dict[str, dict] = {}
        self.deliveries: list[dict] = []
        self.request_log: deque[dict] = deque(maxlen=100_000)
        self.seed_info: dict[str, Any] = {}
        self.reset()

    # -- clock ---------------------------------------------------------------
    def now(self) -> int:
        return self.fixed_now if self.fixed_now is not None else int(time.time())

    # -- lifecycle -----------------------------------------------------------
    def reset(self, seed: int = 0) -> None:
        self.rng = random.Random(f"runtime-{seed}")
        self.seq = 0
        self.accounts: dict[str, AccountData] = {}
        self.users: dict[str, dict] = {}  # email -> {email, name, accounts: [ids]}
        self.linked: dict[str, dict] = {}  # account id -> link info (tokens, scope)
        self.codes: dict[str, dict] = {}  # oauth code -> {account, scope, used, expires}
        self.access_tokens: dict[str, str] = {}  # access token -> account id
        self.refresh_tokens: dict[str, str] = {}
        self.idempotency: dict[tuple, dict] = {}
        self.seed_info = {}
        # Hosted pages reached through single-use links: account links, login links, portal sessions.
        self.account_links: dict[str, dict] = {}
        self.onboarding_sessions: dict[str, dict] = {}
        self.login_links: dict[str, dict] = {}
        self.portal_sessions: dict[str, dict] = {}
        platform = self.add_account(
            {
                "id": PLATFORM_ACCOUNT_ID,
                "name": "ClientPulse (platform)",
                "email": "platform@clientpulse.test",
                "country": "US",
                "currency": "usd",
                "created": self.now() - 3 * 365 * 86400,
                "owner": None,
            }
        )
        from .catalog import seed_platform_plans

        seed_platform_plans(self, platform)

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def new_id(self, prefix: str, length: int = 24) -> str:
        return prefix + "1" + fast_token(self.rng, length - 1)

    # -- accounts and users --------------------------------------------------
    def add_account(self, acct: dict) -> AccountData:
        data = AccountData(account=acct)
        self.accounts[acct["id"]] = data
        owner = acct.get("owner")
        if owner:
            self.users.setdefault(owner, {"email": owner, "name": acct.get("owner_name") or owner, "accounts": []})
            self.users[owner]["accounts"].append(acct["id"])
        return data

    def account(self, acct_id: str) -> AccountData | None:
        return self.accounts.get(acct_id)

    def add(self, acct: AccountData, coll: str, rec: dict) -> dict:
        return acct.collection(coll).add(rec, self.next_seq())

    # -- events --------------------------------------------------------------
    def emit(
        self,
        acct: AccountData,
        etype: str,
        obj: dict,
        previous: dict | None = None,
        created: int | None = None,
        deliver: Callable[[dict], None] | None = None,
    ) -> dict:
        """Record an event about ``obj`` (already rendered) in ``acct``."""
        evt = {
            "id": self.new_id("evt_"),
            "type": etype,
            "created": created if created is not None else self.now(),
            "object": obj,
            "previous": previous,
            "account": acct.account["id"],
        }
        self.add(acct, "events", evt)
        if deliver is not None:
            deliver(evt)
        return evt

    def counts(self, acct: AccountData) -> dict[str, int]:
        return {
            name: len(acct.collection(name))
            for name in ("customers", "subscriptions", "invoices", "charges", "refunds", "prices", "events")
        }
