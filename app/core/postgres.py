"""The PostgreSQL engine: Piccolo's, with transactions that always give their connection back (app.core.transactions).

Piccolo's own kept a pooled connection for good when the task was cancelled during BEGIN, or again during ROLLBACK,
and a web process's pool then had one fewer. The sync engine's writer is cancelled by its task group when a fetch
fails (Stripe refused the account, say), at whatever await it had reached: one test run's pool most likely lost a
connection that way, and warned about it in 814 later tests. A connection whose transaction did not end cleanly is
terminated, not reused (it may still be inside the transaction), and given back to the pool, which replaces it;
without a pool it is closed. A connection that was lost was never leaked: asyncpg's pool takes it back itself.
"""

from __future__ import annotations

import asyncpg
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction

from app.core.transactions import EndsCleanly


class AppPostgresEngine(PostgresEngine):
    __slots__ = ()

    def transaction(self, allow_nested: bool = True) -> PostgresTransaction:
        return _ReleasingTransaction(engine=self, allow_nested=allow_nested)


class _ReleasingTransaction(EndsCleanly, PostgresTransaction):
    __slots__ = ()

    async def begin(self) -> None:
        self.transaction = self.connection.transaction()
        await super().begin()

    async def _give_back(self) -> None:
        if self.engine.pool:
            await self.engine.pool.release(self.connection)
        else:
            await self.connection.close()

    async def _discard(self) -> None:
        """Terminated at once, never reused, and given back to the pool, which replaces it."""
        try:
            self.connection.terminate()
        except asyncpg.InterfaceError:
            return  # it closed already, and asyncpg's pool took it back then
        await self._give_back()
