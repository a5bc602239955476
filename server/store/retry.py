"""Retrying transient storage errors: exponential backoff with full jitter, then give up."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

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
    """Runs a write, retrying TransientStorageError by the policy; then StorageUnavailable.

    The first attempt runs bare: nearly every write succeeds at once, and backoff's
    per-call bookkeeping (clock reads, a details dict, handler coroutines) cost about a
    tenth of the server's time under load when it wrapped every write. backoff takes over
    only after a failure, its waits continuing the same sequence: full jitter on
    initial x factor^n, capped.
    """

    def __init__(self, policy: RetryPolicy, stats: WriteStats) -> None:
        self.policy = policy
        self.stats = stats
        self._again: Callable[[Callable[[], Awaitable[Any]]], Awaitable[Any]] = (
            backoff.on_exception(
                backoff.expo,
                TransientStorageError,
                max_tries=policy.tries - 1,
                base=policy.factor,
                factor=policy.initial * policy.factor,
                max_value=policy.cap,
                jitter=backoff.full_jitter,
                on_backoff=lambda details: self._count(details["tries"] + 1, details["wait"]),
                logger=None,
            )(self._attempt)
        )

    @staticmethod
    async def _attempt(attempt: Callable[[], Awaitable[T]]) -> T:
        return await attempt()

    def _count(self, tries: int, wait: float) -> None:
        self.stats.retries += 1
        logger.warning("storage busy, retry %d in %.2f s", tries, wait)

    async def __call__(self, attempt: Callable[[], Awaitable[T]]) -> T:
        try:
            return await attempt()
        except TransientStorageError as exc:
            if self.policy.tries <= 1:
                raise StorageUnavailable(str(exc)) from exc
            wait = backoff.full_jitter(min(self.policy.cap, self.policy.initial))
            self._count(1, wait)
        await asyncio.sleep(wait)
        try:
            result: T = await self._again(attempt)
        except TransientStorageError as exc:
            raise StorageUnavailable(str(exc)) from exc
        return result
