"""The console's live view: figures pushed to subscribers after commits, coalesced.

The store calls `committed(survey_id)` after each write it has committed, so whatever a
console shows is already on disk. One publisher task per watched survey turns a burst of
commits into at most one fresh set of figures per interval, computed once and shared by
every subscriber; each subscriber holds only the latest figures (a slow one skips
versions, it never queues them). The interval grows with the time the figures take, so
a large survey cannot keep the database busy with figures.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

logger = logging.getLogger(__name__)

# A comment line this often keeps proxies from closing a quiet stream.
KEEPALIVE = 15.0
# At most this many updates a second per survey, whatever the rate of answers.
MIN_INTERVAL = 0.5
# ... and figures take at most a sixth of the time: they share the CPU with respondents.
INTERVAL_PER_COMPUTE = 6.0
MAX_SUBSCRIBERS = 100

Compute = Callable[[str], Awaitable[dict[str, Any]]]


class TooManySubscribers(Exception):
    pass


class _Watched:
    """One survey being watched: its latest figures, their version, and who waits for them."""

    def __init__(self) -> None:
        self.dirty = asyncio.Event()
        self.updated = asyncio.Condition()
        self.version = 0
        self.figures: dict[str, Any] | None = None
        self.subscribers = 0
        self.task: asyncio.Task[None] | None = None


class LiveFeed:
    def __init__(self, compute: Compute) -> None:
        self._compute = compute
        self._watched: dict[str, _Watched] = {}
        self._closing = asyncio.Event()

    def committed(self, survey_id: str) -> None:
        """Called after every commit: cheap, and nothing at all for an unwatched survey."""
        watched = self._watched.get(survey_id)
        if watched is not None:
            watched.dirty.set()

    def latest(self, survey_id: str) -> dict[str, Any] | None:
        """The figures last pushed for a watched survey (None when nobody watches it)."""
        watched = self._watched.get(survey_id)
        return watched.figures if watched is not None else None

    @property
    def subscribers(self) -> int:
        return sum(w.subscribers for w in self._watched.values())

    async def close(self) -> None:
        """End every subscription (server shutdown), so no stream holds the shutdown up."""
        self._closing.set()
        for watched in list(self._watched.values()):
            async with watched.updated:
                watched.updated.notify_all()
            if watched.task is not None:
                watched.task.cancel()

    @contextlib.asynccontextmanager
    async def subscribe(
        self, survey_id: str
    ) -> AsyncIterator[AsyncIterator[dict[str, Any] | None]]:
        """Figures now, then after every change (None: nothing new for a while, keep alive).

        The updates end when the server shuts down.
        """
        if self.subscribers >= MAX_SUBSCRIBERS:
            raise TooManySubscribers(survey_id)
        watched = self._watched.setdefault(survey_id, _Watched())
        watched.subscribers += 1
        if watched.task is None:
            watched.dirty.set()  # the first subscriber needs figures at once
            watched.task = asyncio.create_task(self._publish(survey_id, watched),
                                               name=f"live-{survey_id}")
        try:
            yield self._updates(watched)
        finally:
            watched.subscribers -= 1
            if watched.subscribers == 0:
                if watched.task is not None:
                    watched.task.cancel()
                del self._watched[survey_id]

    async def _updates(self, watched: _Watched) -> AsyncIterator[dict[str, Any] | None]:
        seen = 0

        def news() -> bool:
            return watched.version > seen or self._closing.is_set()

        while not self._closing.is_set():
            try:
                async with asyncio.timeout(KEEPALIVE), watched.updated:
                    await watched.updated.wait_for(news)
            except TimeoutError:
                yield None
                continue
            if self._closing.is_set():
                return
            seen = watched.version
            yield watched.figures

    async def _publish(self, survey_id: str, watched: _Watched) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await watched.dirty.wait()
            watched.dirty.clear()  # commits from now on call for another round
            started = loop.time()
            try:
                figures = await self._compute(survey_id)
            except Exception:  # storage trouble: try again at the next change
                logger.warning("live figures for %s failed", survey_id, exc_info=True)
                figures = None
            spent = loop.time() - started
            if figures is not None:
                async with watched.updated:
                    watched.figures = figures
                    watched.version += 1
                    watched.updated.notify_all()
            await asyncio.sleep(max(MIN_INTERVAL, INTERVAL_PER_COMPUTE * spent) - spent)
