"""Retrying transient storage errors: exponential backoff with full jitter, then give up."""

from __future__ import annotations

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


async def with_retries(
    policy: RetryPolicy, stats: WriteStats, attempt: Callable[[], Awaitable[T]]
) -> T:
    """Run `attempt`, retrying TransientStorageError; then raise StorageUnavailable."""

    def count_retry(details: Any) -> None:
        stats.retries += 1
        logger.warning("storage busy, retry %d in %.2f s", details["tries"], details["wait"])

    async def call() -> T:
        # backoff must see a coroutine function to retry asynchronously.
        return await attempt()

    retrying = backoff.on_exception(
        backoff.expo,
        TransientStorageError,
        max_tries=policy.tries,
        base=policy.factor,
        factor=policy.initial,
        max_value=policy.cap,
        jitter=backoff.full_jitter,
        on_backoff=count_retry,
        logger=None,
    )(call)
    try:
        return await retrying()
    except TransientStorageError as exc:
        raise StorageUnavailable(str(exc)) from exc
