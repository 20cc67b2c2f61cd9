"""MRR movements per month, and the churn and retention rates they give (pure).

From each client's MRR at consecutive points (month ends), one movement per client and month, by the change:
- **new**: from zero to above zero, the first time the client pays in the series;
- **reactivation**: from zero to above zero after the client had paid (and churned) earlier in the series;
- **expansion** / **contraction**: up or down while above zero at both ends;
- **churn**: from above zero to zero.
The amount is the signed change (churn and contraction negative), so a month's movements add up exactly to the
change in the total MRR. A client already at zero at the first point is treated as never having paid: what came
before the series is not known here.

Rates per month, from the clients paying at its start (above zero at the previous point):
- logo churn = clients churned in the month / clients paying at its start;
- revenue churn = (churned MRR + contraction MRR) / MRR at its start;
- net revenue retention = (MRR at its start + expansion - contraction - churn) / MRR at its start, i.e. what the
  clients paying at the start pay at the end (new and reactivated clients are not in that cohort).
Each is an exact Decimal fraction (0.05 is 5%), None when nobody paid at the start.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class Kind(StrEnum):
    new = "new"
    expansion = "expansion"
    contraction = "contraction"
    churn = "churn"
    reactivation = "reactivation"


def kind_of(before: int, after: int, paid_before: bool) -> Kind | None:
    """The movement from `before` to `after` (None: no change); `paid_before`: the client paid at some earlier point."""
    if before == after:
        return None
    if before == 0:
        return Kind.reactivation if paid_before else Kind.new
    if after == 0:
        return Kind.churn
    return Kind.expansion if after > before else Kind.contraction


@dataclass(frozen=True, slots=True)
class Movement:
    client: Hashable
    kind: Kind
    amount: int  # the signed change in MRR


@dataclass
class Month:
    """The movements from the previous point to this one, and the rates they give."""

    label: str
    mrr_at_start: int
    mrr_at_end: int
    movements: list[Movement] = field(default_factory=list)
    paying_at_start: int = 0

    def _by_kind(self) -> dict[Kind, tuple[int, int]]:
        """kind -> (amount, count), summed in one pass and kept while no movement is added (pages ask 7 times per
        month, over thousands of movements)."""
        kept = self.__dict__.get("_sums")
        if kept is None or kept[0] != len(self.movements):
            sums: dict[Kind, tuple[int, int]] = {}
            for m in self.movements:
                amount, count = sums.get(m.kind, (0, 0))
                sums[m.kind] = (amount + m.amount, count + 1)
            kept = self.__dict__["_sums"] = (len(self.movements), sums)
        return kept[1]

    def amount(self, kind: Kind) -> int:
        return self._by_kind().get(kind, (0, 0))[0]

    def count(self, kind: Kind) -> int:
        return self._by_kind().get(kind, (0, 0))[1]

    @property
    def net_change(self) -> int:
        return sum(amount for amount, _ in self._by_kind().values())

    @property
    def logo_churn(self) -> Decimal | None:
        return None if not self.paying_at_start else Decimal(self.count(Kind.churn)) / self.paying_at_start

    @property
    def revenue_churn(self) -> Decimal | None:
        if not self.mrr_at_start:
            return None
        lost = -(self.amount(Kind.churn) + self.amount(Kind.contraction))
        return Decimal(lost) / self.mrr_at_start

    @property
    def net_revenue_retention(self) -> Decimal | None:
        if not self.mrr_at_start:
            return None
        kept = self.mrr_at_start + sum(self.amount(k) for k in (Kind.expansion, Kind.contraction, Kind.churn))
        return Decimal(kept) / self.mrr_at_start


def client_movements(values: Sequence[int]) -> list[Kind | None]:
    """The kind of movement into each point after the first, for one client's series."""
    out: list[Kind | None] = []
    paid_before = bool(values and values[0] > 0)
    for before, after in itertools.pairwise(values):
        out.append(kind_of(before, after, paid_before))
        paid_before = paid_before or after > 0
    return out


def monthly(labels: Sequence[str], clients: Mapping[Hashable, Sequence[int]]) -> list[Month]:
    """One Month per point after the first, from every client's series (each as long as `labels`).

    Args:
        labels: the points' labels ("YYYY-MM").
        clients: client -> MRR at each point, in one currency's minor units.
    """
    months = [
        Month(
            label=labels[i],
            mrr_at_start=sum(values[i - 1] for values in clients.values()),
            mrr_at_end=sum(values[i] for values in clients.values()),
        )
        for i in range(1, len(labels))
    ]
    for client, values in clients.items():
        for i, kind in enumerate(client_movements(values)):
            if values[i] > 0:
                months[i].paying_at_start += 1
            if kind is not None:
                months[i].movements.append(Movement(client, kind, values[i + 1] - values[i]))
    return months
