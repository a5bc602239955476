"""Retrying transient storage errors within a deadline: exponential backoff with full jitter.

Every write has a deadline, measured from when the store takes it up (the write timeout).
The writer thread waits for a locked database only until the deadline of each write it
holds (see sqlite_writer.py), so a lock costs a write at most its own deadline, however
many other writes are waiting. Failures that come back at once (a full disk, a full write
queue) are tried again here, up to `tries` in all, waiting between tries as DESIGN.md says
(0.5 s, doubling, 30 s cap, full jitter), never past the deadline. Then: StorageUnavailable.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import backoff

from .base import StorageUnavailable, TransientStorageError, WriteStats

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """DESIGN.md's default: 3 tries, waits starting at 0.5 s, doubling, at most 30 s."""

    tries: int = 3
    initial: float = 0.5
    factor: float = 2.0
    cap: float = 30.0


class Retrying:
    """Runs a write, retrying TransientStorageError by the policy and within the deadline.

    The first attempt runs bare: nearly every write succeeds at once, and per-call
    bookkeeping on every write (a decorator's clock reads and dicts) cost about a tenth of
    the server's time under load. The waits come from backoff's generator and jitter.
    """

    def __init__(self, policy: RetryPolicy, stats: WriteStats) -> None:
        self.policy = policy
        self.stats = stats

    def _count(self, tries: int, wait: float) -> None:
        self.stats.retries += 1
        logger.warning("storage busy, retry %d in %.2f s", tries, wait)

    async def __call__(
        self, attempt: Callable[[], Awaitable[T]], deadline: float = math.inf
    ) -> T:
        """`deadline` is on time.monotonic()'s clock; no try starts after it."""
        try:
            return await attempt()
        except TransientStorageError as exc:
            return await self.after(exc, attempt, deadline)

    async def after(
        self, failure: TransientStorageError, attempt: Callable[[], Awaitable[T]],
        deadline: float = math.inf,
    ) -> T:
        """The retries once a first attempt made elsewhere has failed with `failure`."""
        policy = self.policy
        waits = backoff.expo(base=policy.factor, factor=policy.initial, max_value=policy.cap)
        next(waits)  # the generator's priming step
        for try_number in range(2, policy.tries + 1):
            wait = backoff.full_jitter(next(waits))
            if time.monotonic() + wait >= deadline:
                break  # the next try could not finish in time: say so now
            self._count(try_number, wait)
            await asyncio.sleep(wait)
            try:
                return await attempt()
            except TransientStorageError as exc:
                failure = exc
        raise StorageUnavailable(str(failure)) from failure
