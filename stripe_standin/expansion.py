"""``expand[]``: swap ids for objects on the fields Stripe lets you expand, and answer 400 on any other path.

Paths are relative to the response: ``customer`` on a retrieve, ``data.customer`` on a list. Each object type
lists its expandable fields (dotted when they sit in a hash, e.g. ``source.coupon`` on a Discount) and which
collection resolves them; the shape test checks this table against the SDK's own models.
"""

from __future__ import annotations

from typing import Any

from . import render
from .store import AccountData
from .wire import StripeError

MAX_DEPTH = 4  # Stripe refuses deeper expansions

# object type -> field path -> collection its ids live in (None: never set in the stand-in, so stays null)
EXPANDABLE: dict[str, dict[str, str | None]] = {
    "customer": {"default_source": None, "invoice_settings.default_payment_method": None, "test_clock": None},
    "subscription": {
        "customer": "customers",
        "latest_invoice": "invoices",
        "discounts": "discounts",
        "default_payment_method": None,
        "default_source": None,
        "application": None,
        "on_behalf_of": None,
        "pending_setup_intent": None,
        "schedule": None,
        "test_clock": None,
    },
    "subscription_item": {"discounts": "discounts"},
    "invoice": {
        "customer": "customers",
        "discounts": "discounts",
        "parent.subscription_details.subscription": "subscriptions",
        "total_discount_amounts.discount": "discounts",
        "default_payment_method": None,
        "default_source": None,
        "application": None,
        "on_behalf_of": None,
        "latest_revision": None,
        "test_clock": None,
    },
    "line_item": {"discounts": "discounts", "discount_amounts.discount": "discounts"},
    "discount": {"customer": "customers", "source.coupon": "coupons", "promotion_code": None},
    "charge": {
        "customer": "customers",
        "balance_transaction": None,
        "payment_intent": "payment_intents",
        "application": None,
        "application_fee": None,
        "failure_balance_transaction": None,
        "on_behalf_of": None,
        "review": None,
        "source_transfer": None,
    },
    "refund": {
        "charge": "charges",
        "balance_transaction": None,
        "payment_intent": "payment_intents",
        "source_transfer_reversal": None,
        "transfer_reversal": None,
    },
    "checkout.session": {
        "customer": "customers",
        "invoice": "invoices",
        "subscription": "subscriptions",
        "payment_intent": "payment_intents",
        "payment_link": None,
        "setup_intent": "setup_intents",
    },
    "payout": {
        "balance_transaction": None,
        "destination": None,
        "failure_balance_transaction": None,
        "original_payout": None,
        "reversed_by": None,
        "application_fee": None,
    },
    "payment_intent": {
        "customer": "customers",
        "latest_charge": "charges",
        "payment_method": "payment_methods",
        "application": None,
        "on_behalf_of": None,
        "review": None,
    },
    "payment_method": {"customer": "customers"},
    "setup_intent": {
        "customer": "customers",
        "payment_method": "payment_methods",
        "application": None,
        "latest_attempt": None,
        "mandate": None,
        "on_behalf_of": None,
        "single_use_mandate": None,
    },
    "price": {"product": "products"},
    "plan": {"product": "products"},
    "product": {"default_price": "prices"},
}


def expand(obj: dict, paths: list[str], acct: AccountData) -> dict:
    """Expand ``paths`` in the rendered ``obj`` (an object or a list) in place."""
    resolver = _Resolver(acct)
    for path in paths:
        parts = path.split(".")
        if len(parts) > MAX_DEPTH:
            raise StripeError(
                400, f"You cannot expand more than {MAX_DEPTH} levels of a property. Property: {path}", param="expand"
            )
        _walk(obj, parts, str(obj.get("object")), [], resolver, path)
    return obj


def _cannot(path: str) -> StripeError:
    return StripeError(400, f"This property cannot be expanded ({path}).", param="expand")


def _walk(node: dict, parts: list[str], typ: str, rel: list[str], resolver: _Resolver, full: str) -> None:
    """Follow ``parts`` from ``node``, which is a Stripe object of type ``typ`` or a hash at ``rel`` inside one."""
    head, rest = parts[0], parts[1:]
    if not isinstance(node, dict) or head not in node:
        raise _cannot(full)
    value = node[head]
    if not rel and node.get("object") == "list" and head == "data":
        for item in value:
            _into_object(item, rest, resolver, full)
        return
    table = EXPANDABLE.get(typ, {})
    relpath = ".".join(rel + [head])
    if relpath in table:
        node[head] = value = resolver.resolve(table[relpath], value, full)
        for item in value if isinstance(value, list) else [value]:
            _into_object(item, rest, resolver, full)
        return
    if not rest:
        raise _cannot(full)
    if isinstance(value, dict) and value.get("object"):  # a nested object rendered in full (items, discount)
        _into_object(value, rest, resolver, full)
    elif isinstance(value, dict):  # a hash: the path goes on inside the same object
        _walk(value, rest, typ, rel + [head], resolver, full)
    elif isinstance(value, list) and all(isinstance(v, dict) and not v.get("object") for v in value):
        for item in value:  # hashes in a list, e.g. total_discount_amounts.discount
            _walk(item, rest, typ, rel + [head], resolver, full)
    elif value is not None:
        raise _cannot(full)


def _into_object(item: Any, parts: list[str], resolver: _Resolver, full: str) -> None:
    if not parts or not isinstance(item, dict):
        return
    _walk(item, parts, str(item.get("object")), [], resolver, full)


class _Resolver:
    """Render the object behind an id, per collection (discounts live on subscriptions and customers)."""

    def __init__(self, acct: AccountData) -> None:
        self.acct = acct
        self._discounts: dict[str, dict] | None = None

    def resolve(self, collection: str | None, value: Any, full: str) -> Any:
        if isinstance(value, list):
            return [self.resolve(collection, v, full) for v in value]
        if not isinstance(value, str):
            return value  # null, or expanded already by an earlier path
        if collection is None:
            raise _cannot(full)
        rec = self._record(collection, value)
        if rec is None:
            raise _cannot(full)
        return render.render_any(self.acct, collection, rec)

    def _record(self, collection: str, obj_id: str) -> dict | None:
        if collection == "coupons":
            return self.acct.coupons.get(obj_id)
        if collection == "discounts":
            return self.discounts().get(obj_id)
        return self.acct.collection(collection).get(obj_id)

    def discounts(self) -> dict[str, dict]:
        if self._discounts is None:
            # Every discount ever applied (a spent one is gone from its subscription, but its invoices name it),
            # then those attached by actions since.
            self._discounts = dict(self.acct.discounts)
            for coll in (self.acct.subscriptions, self.acct.customers):
                for rec in coll.by_id.values():
                    for disc in render.discounts_of(rec):
                        self._discounts[disc["id"]] = disc
        return self._discounts
