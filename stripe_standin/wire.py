"""Stripe's wire format: nested form params, error JSON, cursor lists."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from .store import Collection, Index

_KEY_RE = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


class StripeError(Exception):
    """An API error rendered as ``{"error": {...}}``."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        headers: dict | None = None,
        extra: dict | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.type, self.code, self.param = status, message, type, code, param
        self.headers = headers or {}
        self.extra = extra or {}  # more of the error hash: a card error's decline_code, charge, payment_intent

    def body(self) -> dict:
        err: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code:
            err["code"] = self.code
            err["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.param:
            err["param"] = self.param
        err.update(self.extra)
        return {"error": err}


class OAuthError(Exception):
    """An OAuth error rendered as ``{"error": "...", "error_description": "..."}``."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description

    def body(self) -> dict:
        return {"error": self.error, "error_description": self.description}


def not_found(kind: str, obj_id: str, param: str = "id") -> StripeError:
    return StripeError(404, f"No such {kind}: '{obj_id}'", code="resource_missing", param=param)


# -- params ----------------------------------------------------------------------
def _listify(value: Any) -> Any:
    if isinstance(value, dict):
        value = {k: _listify(v) for k, v in value.items()}
        if value and all(k.isdigit() for k in value):
            return [value[k] for k in sorted(value, key=int)]
    return value


def parse_params(*raw: bytes | str) -> dict:
    """Parse query strings / form bodies with ``a[b]=``, ``a[]=`` and ``a[0]=`` keys."""
    out: dict = {}
    for chunk in raw:
        if isinstance(chunk, bytes):
            chunk = chunk.decode("utf-8", "replace")
        for key, value in parse_qsl(chunk, keep_blank_values=True):
            m = _KEY_RE.match(key)
            if not m:
                raise StripeError(400, f"Invalid parameter name: {key}", param=key)
            parts = [m.group(1)] + re.findall(r"\[([^\[\]]*)\]", m.group(2))
            node = out
            for i, part in enumerate(parts):
                last = i == len(parts) - 1
                nxt = parts[i + 1] if not last else None
                if part == "":
                    raise StripeError(400, f"Invalid array parameter: {key}", param=key)
                if last:
                    if isinstance(node, list):
                        node.append(value)
                    else:
                        node[part] = value
                elif nxt == "":
                    lst = node.setdefault(part, [])
                    if not isinstance(lst, list):
                        raise StripeError(400, f"Invalid array parameter: {key}", param=key)
                    if i + 1 == len(parts) - 1:
                        lst.append(value)
                        break
                    raise StripeError(400, f"Invalid array parameter: {key}", param=key)
                else:
                    child = node.setdefault(part, {})
                    if not isinstance(child, dict):
                        raise StripeError(400, f"Invalid hash parameter: {key}", param=key)
                    node = child
    return _listify(out)


def as_list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return list(value.values())
    return [value]


def parse_int(value: Any, param: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise StripeError(400, f"Invalid integer: {value}", code="parameter_invalid_integer", param=param) from None


def parse_bool(value: Any, param: str) -> bool:
    if value in ("true", True):
        return True
    if value in ("false", False):
        return False
    raise StripeError(400, f"Invalid boolean: {value}", code="parameter_invalid_boolean", param=param)


def check_params(params: dict, allowed: Iterable[str]) -> None:
    allowed = set(allowed) | {"expand"}
    for key in params:
        if key not in allowed:
            raise StripeError(400, f"Received unknown parameter: {key}", code="parameter_unknown", param=key)


# -- created filters ---------------------------------------------------------------
def range_filter(params: dict, name: str) -> tuple[int | None, int | None] | None:
    """Parse ``name`` or ``name[gt|gte|lt|lte]`` to inclusive (low, high) bounds."""
    if name not in params:
        return None
    value = params[name]
    if not isinstance(value, dict):
        exact = parse_int(value, name)
        return exact, exact
    low = high = None
    for op, raw in value.items():
        num = parse_int(raw, f"{name}[{op}]")
        if op == "gte":
            low = num if low is None else max(low, num)
        elif op == "gt":
            low = num + 1 if low is None else max(low, num + 1)
        elif op == "lte":
            high = num if high is None else min(high, num)
        elif op == "lt":
            high = num - 1 if high is None else min(high, num - 1)
        else:
            raise StripeError(
                400, f"Received unknown parameter: {name}[{op}]", code="parameter_unknown", param=f"{name}[{op}]"
            )
    return low, high


# -- lists -----------------------------------------------------------------------
LIST_PARAMS = ("limit", "starting_after", "ending_before", "created")


def parse_limit(params: dict) -> int:
    if "limit" not in params:
        return 10
    limit = parse_int(params["limit"], "limit")
    if limit > 100:
        raise StripeError(
            400,
            f"This value must be less than or equal to 100 (it currently is '{limit}')",
            code="parameter_invalid_integer",
            param="limit",
        )
    if limit < 1:
        raise StripeError(
            400,
            f"This value must be greater than or equal to 1 (it currently is '{limit}')",
            code="parameter_invalid_integer",
            param="limit",
        )
    return limit


def list_collection(
    coll: Collection,
    params: dict,
    url: str,
    render: Callable[[dict], dict],
    predicate: Callable[[dict], bool] | None = None,
    customer: str | None = None,
    kind: str = "object",
    created_field: str = "created",
) -> dict:
    """Cursor-paginate a collection newest first, the way Stripe's list endpoints do."""
    limit = parse_limit(params)
    bounds = range_filter(params, "created")
    low, high = bounds if bounds else (None, None)
    index: Index = coll.index_for(customer)

    def keep(rec: dict) -> bool:
        created = rec[created_field]
        if high is not None and created > high:
            return False
        return predicate is None or predicate(rec)

    after, before = params.get("starting_after"), params.get("ending_before")
    if after and before:
        raise StripeError(
            400, "You may only specify one of these parameters: ending_before, starting_after.", param="ending_before"
        )
    page: list[dict] = []
    has_more = False
    if before:
        cursor = coll.get(before)
        if cursor is None:
            raise not_found(kind, before, "ending_before")
        for rec in index.scan_newer(cursor["_k"]):
            if low is not None and rec[created_field] < low:
                continue
            if keep(rec):
                if len(page) == limit:
                    has_more = True
                    break
                page.append(rec)
        page.reverse()
    else:
        after_key = None
        if after:
            cursor = coll.get(after)
            if cursor is None:
                raise not_found(kind, after, "starting_after")
            after_key = cursor["_k"]
        max_created = high if created_field == "created" else None
        for rec in index.scan(after_key=after_key, max_created=max_created):
            if low is not None and rec[created_field] < low:
                if created_field == "created":
                    break
                continue
            if keep(rec):
                if len(page) == limit:
                    has_more = True
                    break
                page.append(rec)
    return {"object": "list", "data": [render(r) for r in page], "has_more": has_more, "url": url}


def list_plain(items: list[dict], params: dict, url: str) -> dict:
    """Paginate an already rendered, ordered list by id cursors (e.g. invoice lines)."""
    limit = parse_limit(params)
    ids = [item["id"] for item in items]
    after, before = params.get("starting_after"), params.get("ending_before")
    start, end = 0, len(items)
    if after:
        if after not in ids:
            raise not_found("line item", after, "starting_after")
        start = ids.index(after) + 1
        end = min(len(items), start + limit)
    elif before:
        if before not in ids:
            raise not_found("line item", before, "ending_before")
        end = ids.index(before)
        start = max(0, end - limit)
    else:
        end = min(len(items), limit)
    has_more = (end < len(items)) if not before else start > 0
    return {"object": "list", "data": items[start:end], "has_more": has_more, "url": url}
