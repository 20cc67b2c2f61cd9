"""One PostgreSQL connection per sender of a brief sweep, instead of one per query (see app.core.connections).

A brief's thirty-odd queries cost PostgreSQL seven or eight connections without it. The sweep's claims are
committed statement by statement on the held connection, so a claim is committed before the brief is sent.
"""

from __future__ import annotations

from app.core.connections import Held, held, reconnect_if_lost, together

__all__ = ["Held", "held", "reconnect_if_lost", "together"]
