"""Check a served object against the SDK's model for the pinned API version and Stripe's fixture.

The SDK's resource classes annotate every field the pinned version has (``stripe.Invoice`` and its nested
classes such as ``stripe.Invoice.Parent``), so a field the model lacks was removed or never existed, and an
SDK upgrade that changes a shape makes this checker name the object type and field that changed.
"""

from __future__ import annotations

import importlib
import inspect
import typing
from typing import Any

import stripe
from stripe._list_object import ListObject
from stripe._object_classes import OBJECT_CLASSES
from stripe._stripe_object import StripeObject

API_VERSION = stripe._api_version._ApiVersion.CURRENT


def model_for(object_name: str) -> type[StripeObject]:
    module, name = OBJECT_CLASSES[object_name]
    return getattr(importlib.import_module(module), name)


def annotations(cls: type) -> dict[str, Any]:
    """Public field annotations across the MRO (the model's fields), resolved where possible."""
    out: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        for name, hint in inspect.get_annotations(klass).items():
            if not name.startswith("_") and name[0].islower():
                out[name] = hint
    return out


def _referenced(hint: Any) -> list[Any]:
    """Classes or forward-ref names inside a hint (``Union[str, 'Customer']`` -> ['Customer'])."""
    found = []
    for arg in typing.get_args(hint):
        if isinstance(arg, typing.ForwardRef):
            found.append(arg.__forward_arg__)
        elif isinstance(arg, type) and issubclass(arg, StripeObject):
            found.append(arg)
        else:
            found += _referenced(arg)
    return found


def is_expandable(hint: Any) -> bool:
    """``ExpandableField[X]`` is ``Union[str, X]``: an id by default, the object when expanded."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) is list:
        return bool(args) and is_expandable(args[0])
    return str in args and bool(_referenced(hint))


def _list_item_model(hint: Any) -> type[StripeObject] | None:
    if typing.get_origin(hint) is ListObject or (isinstance(hint, type) and issubclass(hint, ListObject)):
        refs = _referenced(hint)
        if refs:
            ref = refs[0]
            return getattr(stripe, ref) if isinstance(ref, str) else ref
    return None


class Checker:
    """Checks served objects; ``fixtures`` is Stripe's ``resources`` (the fixture of each object type)."""

    def __init__(self, fixtures: dict[str, dict]) -> None:
        self.fixtures = fixtures

    def check(
        self,
        obj: dict,
        where: str | None = None,
        expanded: frozenset[str] | set[str] = frozenset(),
        model: type | None = None,
        fixture: dict | None = None,
    ) -> list[str]:
        """Problems with ``obj`` (empty when it matches): removed or unknown, missing, and unexpanded fields.

        ``where`` names the object in messages (``invoice``, ``invoice.lines.data[]``); ``expanded`` holds the
        dotted paths, relative to ``obj``, that the request expanded.
        """
        where = where or obj["object"]
        model = model or model_for(obj["object"])
        if fixture is None:  # a deleted object has its own, smaller fixture (id, object, deleted)
            fixture = self.fixtures.get(("deleted_" if obj.get("deleted") else "") + obj.get("object", ""))
        fields = annotations(model)
        inner = getattr(model, "_inner_class_types", {})
        fixture = fixture if isinstance(fixture, dict) else {}
        name = f"stripe.{model.__qualname__}"
        problems = [
            f"{where}: removed or unknown field {key!r} ({name} for {API_VERSION} lacks it)"
            for key in obj
            if key not in fields
        ]
        problems += [
            f"{where}: missing field {key!r} (in {name} and in Stripe's fixture)"
            for key in sorted((set(fixture) & set(fields)) - set(obj))
        ]
        for key, value in obj.items():
            if key not in fields:
                continue
            hint, here = fields[key], f"{where}.{key}"
            below = frozenset(p[len(key) + 1 :] for p in expanded if p.startswith(key + "."))
            if is_expandable(hint) and key not in expanded:
                problems += [
                    f"{here}: expandable, so an id unless expand[] asks (got an object)"
                    for v in (value if isinstance(value, list) else [value])
                    if isinstance(v, dict)
                ]
                continue
            problems += self._value(value, hint, inner.get(key), fixture.get(key), here, below)
        return problems

    def _value(
        self, value: Any, hint: Any, inner: type | None, fixture: Any, where: str, expanded: frozenset[str]
    ) -> list[str]:
        if isinstance(value, list):
            sample = fixture[0] if isinstance(fixture, list) and fixture else None
            return [
                p
                for item in value
                if isinstance(item, dict)
                for p in self._value(item, hint, inner, sample, f"{where}[]", expanded)
            ]
        if not isinstance(value, dict):
            return []
        if value.get("object") == "list":
            item_model = _list_item_model(hint)
            below = frozenset(p[5:] for p in expanded if p.startswith("data."))
            return [
                p
                for item in value.get("data", [])
                for p in self.check(item, f"{where}.data[]", below, item_model or model_for(item["object"]))
            ]
        if isinstance(value.get("object"), str) and value["object"] in OBJECT_CLASSES:
            # an object in full: an item's price, an expanded customer
            return self.check(value, where, expanded)
        if inner is not None:  # a hash the SDK models (invoice.parent, invoice.status_transitions)
            return self.check(value, where, expanded, inner, fixture if isinstance(fixture, dict) else {})
        return []  # a free-form hash (metadata) or one the SDK types loosely


def sdk_expandable(object_name: str, path: str) -> bool:
    """Whether ``path`` (dotted, through hashes) is an expandable field of the SDK's model."""
    model: Any = model_for(object_name)
    *hashes, last = path.split(".")
    for name in hashes:
        model = getattr(model, "_inner_class_types", {}).get(name)
        if model is None:
            return False
    hint = annotations(model).get(last)
    return hint is not None and is_expandable(hint)
