"""The retry policy: how many attempts a write gets, and what the caller sees in the end."""

from __future__ import annotations

import pytest

from server.store import StorageUnavailable
from server.store.base import TransientStorageError, WriteStats
from server.store.retry import Retrying, RetryPolicy

QUICK = RetryPolicy(tries=4, initial=0.001, factor=2, cap=0.004)


def flaky(failures: int) -> tuple[list[int], object]:
    calls: list[int] = []

    async def attempt() -> str:
        calls.append(1)
        if len(calls) <= failures:
            raise TransientStorageError("database is locked")
        return "written"

    return calls, attempt


@pytest.mark.parametrize("failures", [0, 1, 3])
async def test_a_write_that_fails_a_few_times_gets_through(failures: int) -> None:
    stats = WriteStats()
    calls, attempt = flaky(failures)
    assert await Retrying(QUICK, stats)(attempt) == "written"  # type: ignore[arg-type]
    assert len(calls) == failures + 1
    assert stats.retries == failures


@pytest.mark.parametrize("tries", [1, 2, 4])
async def test_after_the_last_try_the_caller_is_told_storage_is_unavailable(tries: int) -> None:
    stats = WriteStats()
    calls, attempt = flaky(failures=100)
    policy = RetryPolicy(tries=tries, initial=0.001, factor=2, cap=0.004)
    with pytest.raises(StorageUnavailable, match="database is locked"):
        await Retrying(policy, stats)(attempt)  # type: ignore[arg-type]
    assert len(calls) == tries
    assert stats.retries == tries - 1


async def test_other_errors_are_not_retried() -> None:
    calls: list[int] = []

    async def attempt() -> None:
        calls.append(1)
        raise ValueError("a bug, not a busy database")

    with pytest.raises(ValueError):
        await Retrying(QUICK, WriteStats())(attempt)
    assert len(calls) == 1


async def test_no_retry_starts_that_would_end_after_the_deadline() -> None:
    import time

    calls, attempt = flaky(failures=100)
    slow = RetryPolicy(tries=3, initial=60, factor=2, cap=60)
    deadline = time.monotonic() + 0.001
    with pytest.raises(StorageUnavailable):
        await Retrying(slow, WriteStats())(attempt, deadline)  # type: ignore[arg-type]
    assert len(calls) == 1  # the next wait (up to 60 s) was not worth starting
