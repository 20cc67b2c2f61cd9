"""The PostgreSQL engine: Piccolo's, with transactions that always give their connection back.

Piccolo's transaction leaks its connection in two cases, and a web process's pool then has one fewer for good:
- the task is cancelled, or BEGIN fails, after the connection was taken and before the transaction began
  (`__aenter__` raised, so `__aexit__` never runs);
- ROLLBACK or COMMIT does not finish (the task was cancelled again while rolling back, say): `__aexit__`
  raises before it releases the connection. (A connection that was lost is not leaked: asyncpg's pool takes it
  back itself when it closes.)

The sync engine's writer is cancelled by its task group when a fetch fails (Stripe refused the account, say), at
whatever await it had reached: one test run's pool most likely lost a connection that way, and warned about it in
814 later tests. Here a connection whose transaction did not end cleanly is terminated, not reused (it may still be
inside the transaction), and given back to the pool, which replaces it; without a pool it is closed.
"""

from __future__ import annotations

import asyncpg
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction


class AppPostgresEngine(PostgresEngine):
    __slots__ = ()

    def transaction(self, allow_nested: bool = True) -> PostgresTransaction:
        return _ReleasingTransaction(engine=self, allow_nested=allow_nested)


class _ReleasingTransaction(PostgresTransaction):
    __slots__ = ()

    async def __aenter__(self) -> PostgresTransaction:
        if self._parent is not None:
            return self._parent
        self.connection = await self.get_connection()
        try:
            self.transaction = self.connection.transaction()
            await self.begin()
        except BaseException:
            await self._discard()
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent:
            return exception is None
        ended = False
        try:
            if exception:
                if not self._rolled_back:  # the caller may have rolled back already
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
            ended = True
        finally:
            try:
                await (self._give_back() if ended else self._discard())
            finally:
                self.engine.current_transaction.reset(self.context)
        return exception is None

    async def _give_back(self) -> None:
        if self.engine.pool:
            await self.engine.pool.release(self.connection)
        else:
            await self.connection.close()

    async def _discard(self) -> None:
        """Drop a connection that may still be inside a transaction: terminated at once, never reused."""
        try:
            self.connection.terminate()
        except asyncpg.InterfaceError:
            return  # it closed already, and asyncpg's pool took it back then
        await self._give_back()
