"""Inputs of the review grid."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class MapForm:
    client: str = ""  # a picker value: "Acme Rockets #12", an id, or an exact client name


@dataclass
class CreateClientForm:
    name: str = ""
    email: str = ""
    domain: str = ""


@dataclass
class BulkForm:
    action: str = ""  # "map" | "ignore"
    client: str = ""
    # A form sends one value as a plain string and several as a list; the controller accepts both.
    customer_ids: list[str] | str = field(default_factory=list)
    q: str = ""
    page: int = 1
