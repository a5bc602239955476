"""Takeovers and commits announced by any process: PostgreSQL LISTEN on a connection of its own.

A claim sends NOTIFY (new owner, user id) in its transaction, so every process hears of
it when it commits. The listener hands each to a sink (the gateway), which closes its
own connection to that session with 4409 at once instead of at its next write or
autosave tick. A notification missed while the listening connection was down is still
caught by the autosave tick's owner check; the listener reconnects by itself.

The same connection hears which surveys other processes committed to (for the operators'
live console), on a second channel; see PostgresStore.committed for how those are sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import asyncpg

logger = logging.getLogger(__name__)

# (user_id, new owner) of a session just claimed.
TakeoverSink = Callable[[str, str], None]
RECONNECT_WAIT = (0.1, 5.0)  # first wait, longest wait


class TakeoverListener:
    def __init__(
        self, dsn: str, channel: str, connect_timeout: float,
        commits: tuple[str, Callable[[str], None]] | None = None,
    ) -> None:
        self.dsn = dsn
        self.channel = channel
        self.commits = commits  # (channel, handler of each payload)
        self.connect_timeout = connect_timeout
        self.sink: TakeoverSink | None = None
        self._task: asyncio.Task[None] | None = None
        self._lost = asyncio.Event()
        self.listening = asyncio.Event()  # LISTEN is in effect
        self.sessions = 0  # LISTEN sessions begun so far (the first, then reconnections)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="takeover-listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _heard(self, conn: object, pid: int, channel: str, payload: str) -> None:
        owner, _, user_id = payload.partition(" ")
        if self.sink is not None and user_id:
            try:
                self.sink(user_id, owner)
            except Exception:
                logger.exception("a takeover notification could not be handled")

    def _heard_commit(self, conn: object, pid: int, channel: str, payload: str) -> None:
        if self.commits is not None:
            try:
                self.commits[1](payload)
            except Exception:
                logger.exception("a commit notification could not be handled")

    async def _run(self) -> None:
        wait = RECONNECT_WAIT[0]
        while True:
            try:
                conn = await asyncpg.connect(self.dsn, timeout=self.connect_timeout)
            except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                logger.warning("cannot listen for takeovers (%s); again in %.1f s", exc, wait)
                await asyncio.sleep(wait)
                wait = min(wait * 2, RECONNECT_WAIT[1])
                continue
            wait = RECONNECT_WAIT[0]
            self._lost.clear()
            try:
                conn.add_termination_listener(lambda _conn: self._lost.set())
                await conn.add_listener(self.channel, self._heard)
                if self.commits is not None:
                    await conn.add_listener(self.commits[0], self._heard_commit)
                self.sessions += 1
                self.listening.set()
                await self._lost.wait()
                logger.warning("the takeover listener lost its connection; reconnecting")
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                logger.warning("the takeover listener failed: %s", exc)
            finally:
                self.listening.clear()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(conn.close(), 2)
