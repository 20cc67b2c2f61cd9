"""Inputs of the transactions pages' forms."""

from dataclasses import dataclass


@dataclass
class AdjustmentForm:
    """The owner's adjustment: text in, checked by `adjustments.record_adjustment` (defaults reach its messages)."""

    credits: str = ""
    reason: str = ""
    nonce: str = ""
