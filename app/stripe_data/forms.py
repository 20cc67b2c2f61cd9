"""Input of Settings → Data's purge form."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class PurgeForm:
    confirm: str = ""
