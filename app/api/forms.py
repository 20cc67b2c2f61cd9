"""Inputs of the Settings → API forms."""

from dataclasses import dataclass


@dataclass
class TokenForm:
    name: str = ""
