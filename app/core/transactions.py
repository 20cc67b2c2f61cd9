"""How the app's engines end a transaction: its connection goes back only when the transaction ended cleanly.

Piccolo's transactions skip giving their connection back when BEGIN fails or is cancelled (their `__aenter__`
raised, so `__aexit__` never runs) and when COMMIT or ROLLBACK does not finish (`__aexit__` raised first). A
connection is then lost to its pool or left open, possibly inside the transaction. Each engine's transaction mixes
this in and says what giving back and discarding mean for it (app.core.sqlite, app.core.postgres).
"""

from __future__ import annotations


class EndsCleanly:
    """`__aenter__`/`__aexit__` for a Piccolo transaction class that defines `_give_back` and `_discard`."""

    __slots__ = ()

    async def _give_back(self) -> None:
        """The transaction ended: the connection is fit for the next one."""
        raise NotImplementedError

    async def _discard(self) -> None:
        """The transaction may still be open on the connection: it must never be used again."""
        raise NotImplementedError

    async def __aenter__(self):
        if self._parent is not None:
            return self._parent
        self.connection = await self.get_connection()
        try:
            await self.begin()
        except BaseException:  # BEGIN IMMEDIATE timed out waiting for SQLite's lock, or the task was cancelled
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
