"""The one SQLite writer of a process, with group commit.

A thread owns the only write connection. Callers queue a job (a function of the
connection) and await a future. The thread takes every job that is waiting, runs them
in one transaction with a savepoint each (so one failing job fails alone), commits
once, and then completes each caller's future with its own result. Under load many
writes share one fsync; alone, a write costs one commit.

Each job carries a deadline. While the database is locked by another connection, the
thread waits for the lock in slices, failing the jobs whose deadline has passed and
taking in newly queued ones, so a lock costs each write at most its own deadline: not
one busy timeout per batch, one batch after another, as a plain busy timeout would.
"""

from __future__ import annotations

import asyncio
import logging
import math
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .base import StoreError, TransientStorageError, WriteStats

logger = logging.getLogger(__name__)

T = TypeVar("T")
Job = Callable[[sqlite3.Connection], T]

MAX_BATCH = 512
# When the last commit carried more than one write, others are answering at the same time:
# wait this long for their writes before committing, so that one commit serves them all.
# A lone respondent never waits. Measured in bench/: at 100 respondents on one CPU, batches
# grew about fivefold and the server used about a quarter less CPU per answer.
GROUP_COMMIT_WAIT = 0.002
# The longest single wait for a locked database before the writer looks again at the
# deadlines of the writes it holds and at newly queued ones.
LOCK_SLICE = 0.1
# Readiness: a failed commit makes the store "not ready" until a commit succeeds, or until
# this long has passed without another failure (then traffic may come back and show).
FAILURE_MEMORY = 10.0
# Readiness: a write queue this full is trouble before it overflows.
QUEUE_ALARM = 0.9


@dataclass(slots=True)
class _Queued(Generic[T]):
    job: Job[T]
    future: asyncio.Future[T]
    loop: asyncio.AbstractEventLoop
    deadline: float  # time.monotonic(): not started after this
    # Runs by itself outside any transaction (a WAL checkpoint cannot run inside one).
    alone: bool = False


_STOP = object()
SQLITE_BUSY = 5  # the primary result code of "database is locked"


Outcome = tuple[asyncio.Future[Any], Any, BaseException | None]


def _resolve_all(outcomes: list[Outcome]) -> None:
    for future, result, exc in outcomes:
        if future.done():  # the caller was cancelled; the write still happened
            continue
        if exc is not None:
            future.set_exception(exc)
        else:
            future.set_result(result)


class SQLiteWriter:
    def __init__(
        self, connect: Callable[[], sqlite3.Connection], max_pending: int, stats: WriteStats
    ) -> None:
        self._connect = connect
        # SimpleQueue: its put is one C call, where queue.Queue takes a lock and a condition
        # in Python on every write. Its bound is checked in submit().
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._stats = stats
        self._max_pending = max_pending
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        # For readiness; written by the writer thread, read by the event loop. Plain
        # attribute stores, atomic under the GIL: no lock on the write path.
        self._batch_started: float | None = None
        self._busy_timeout_ms: int | None = None  # as last set on the connection
        self._held = 0  # jobs taken from the queue and not yet resolved
        self._last_failure: tuple[float, str] | None = None
        # Jobs to run outside a transaction once the batch being gathered is committed.
        self._after_batch: list[_Queued[Any]] = []

    @property
    def pending(self) -> int:
        """Writes not yet committed: queued, or held by the writer while it waits."""
        return self._queue.qsize() + self._held

    @property
    def busy_for(self) -> float:
        """Seconds the batch being written has taken so far (lock wait included); 0 when idle."""
        started = self._batch_started
        return 0.0 if started is None else time.monotonic() - started

    def trouble(self, stuck_after: float) -> str | None:
        """Why writes are failing or stalled now, in words; None when all is well."""
        now = time.monotonic()
        if self._thread is None or not self._thread.is_alive():
            return "the database writer is not running"
        started = self._batch_started
        if started is not None and now - started > stuck_after:
            return f"a commit has been waiting {now - started:.1f} s (is the database locked?)"
        failure = self._last_failure
        if failure is not None and now - failure[0] < FAILURE_MEMORY:
            return f"the last commit failed: {failure[1]}"
        pending = self.pending
        if pending >= QUEUE_ALARM * self._max_pending:
            return f"{pending} writes are waiting (the limit is {self._max_pending})"
        return None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sqlite-writer", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._startup_error is not None:
            raise self._startup_error

    async def submit(self, job: Job[T], deadline: float = math.inf, alone: bool = False) -> T:
        """Run the job in the next commit; TransientStorageError if that fails, or if the
        database stays locked until `deadline` (time.monotonic()).

        `alone`: after the next commit, outside any transaction.
        """
        if self._queue.qsize() >= self._max_pending:
            raise TransientStorageError("too many writes are waiting")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put(_Queued(job, future, loop, deadline, alone))
        return await future

    def stop(self, timeout: float = 30.0) -> None:
        """Let queued writes finish, then close the connection."""
        if self._thread is None:
            return
        self._queue.put(_STOP)
        self._thread.join(timeout)
        if self._thread.is_alive():
            logger.error("the SQLite writer did not finish within %.0f s", timeout)
        self._thread = None

    def _run(self) -> None:
        try:
            conn = self._connect()
        except BaseException as exc:  # reported to start() in the caller's thread
            self._startup_error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            stopping = False
            last_batch = 0
            while not stopping:
                first = self._queue.get()
                if first is _STOP:
                    break
                if first.alone:
                    self._run_alone(conn, first)
                    continue
                if last_batch > 1:
                    time.sleep(GROUP_COMMIT_WAIT)
                batch: list[_Queued[Any]] = [first]
                stopping = self._take_waiting(batch)
                self._batch_started = time.monotonic()
                try:
                    batch, stopped = self._begin(conn, batch)
                    stopping = stopping or stopped
                    if batch:
                        self._run_batch(conn, batch)
                finally:
                    self._batch_started = None
                    self._held = 0
                last_batch = len(batch)
                while self._after_batch:
                    self._run_alone(conn, self._after_batch.pop(0))
        finally:
            conn.close()

    def _take_waiting(self, batch: list[_Queued[Any]]) -> bool:
        """Add queued jobs to the batch, up to MAX_BATCH; True if the stop signal came."""
        stop = False
        while len(batch) < MAX_BATCH:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is _STOP:
                stop = True
                break
            if item.alone:
                self._after_batch.append(item)
                continue
            batch.append(item)
        self._held = len(batch)
        return stop

    def _begin(
        self, conn: sqlite3.Connection, batch: list[_Queued[Any]]
    ) -> tuple[list[_Queued[Any]], bool]:
        """BEGIN IMMEDIATE, waiting for a lock no longer than the batch's deadlines allow.

        Returns the jobs still to run (those past their deadline are failed) and whether
        the stop signal was taken from the queue meanwhile.
        """
        stopping = False
        while True:
            now = time.monotonic()
            soonest = math.inf
            expired: list[_Queued[Any]] = []
            for item in batch:
                if item.deadline <= now:
                    expired.append(item)
                elif item.deadline < soonest:
                    soonest = item.deadline
            if expired:
                batch = [item for item in batch if item.deadline > now]
                self._held = len(batch)
                reason = "the database stayed locked until the write's deadline"
                self._last_failure = (now, reason)
                logger.warning("%d write(s) timed out waiting for the database", len(expired))
                self._resolve(expired, [(None, TransientStorageError(reason))] * len(expired))
            if not batch:
                return batch, stopping
            wait_ms = max(1, int(min(soonest - now, LOCK_SLICE) * 1000))
            if wait_ms != self._busy_timeout_ms:
                conn.execute(f"PRAGMA busy_timeout = {wait_ms}")
                self._busy_timeout_ms = wait_ms
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                if getattr(exc, "sqlite_errorcode", 0) & 0xFF == SQLITE_BUSY:
                    stopping = self._take_waiting(batch) or stopping
                    continue
                logger.warning("could not begin a commit of %d write(s): %s", len(batch), exc)
                self._last_failure = (time.monotonic(), str(exc))
                self._resolve(batch, [(None, TransientStorageError(str(exc)))] * len(batch))
                return [], stopping
            return batch, stopping

    def _run_batch(self, conn: sqlite3.Connection, batch: list[_Queued[Any]]) -> None:
        """Run the jobs in the transaction _begin opened, commit, and tell each caller."""
        outcomes: list[tuple[Any, BaseException | None]] = []
        try:
            for item in batch:
                outcomes.append(self._run_job(conn, item.job))
            conn.execute("COMMIT")
            self._last_failure = None
            self._stats.commits += 1
            self._stats.writes += len(batch)
            size = len(batch)
            self._stats.batch_sizes[size] = self._stats.batch_sizes.get(size, 0) + 1
            started = self._batch_started
            if started is not None:
                self._stats.commit_seconds.observe(time.monotonic() - started)
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            logger.warning("a commit of %d write(s) failed: %s", len(batch), exc)
            self._last_failure = (time.monotonic(), str(exc))
            failure = TransientStorageError(str(exc))
            outcomes = [(None, failure)] * len(batch)
        self._resolve(batch, outcomes)

    @staticmethod
    def _resolve(
        batch: list[_Queued[Any]], outcomes: list[tuple[Any, BaseException | None]]
    ) -> None:
        # One wake-up per event loop for the whole batch, not one per write: each
        # call_soon_threadsafe writes to the loop's self-pipe.
        by_loop: dict[asyncio.AbstractEventLoop, list[Outcome]] = {}
        for item, (result, failed) in zip(batch, outcomes):
            by_loop.setdefault(item.loop, []).append((item.future, result, failed))
        for loop, resolved in by_loop.items():
            try:
                loop.call_soon_threadsafe(_resolve_all, resolved)
            except RuntimeError:  # the caller's loop is closed: nobody is waiting
                pass

    @staticmethod
    def _run_alone(conn: sqlite3.Connection, item: _Queued[Any]) -> None:
        result: Any = None
        failed: BaseException | None = None
        try:
            result = item.job(conn)
        except sqlite3.Error as exc:
            failed = TransientStorageError(str(exc))
        except Exception as exc:  # reported to its caller; the writer carries on
            logger.exception("a job outside the transactions failed")
            failed = exc
        try:
            item.loop.call_soon_threadsafe(_resolve_all, [(item.future, result, failed)])
        except RuntimeError:  # the caller's loop is closed: nobody is waiting
            pass

    @staticmethod
    def _run_job(conn: sqlite3.Connection, job: Job[Any]) -> tuple[Any, BaseException | None]:
        conn.execute("SAVEPOINT job")
        try:
            result = job(conn)
        except sqlite3.Error as exc:
            if not isinstance(exc, sqlite3.IntegrityError):
                raise  # the database itself is in trouble: the whole batch fails
            failure: BaseException = exc
        except StoreError as exc:
            failure = exc
        except Exception as exc:  # a bug in one job must not stop the writer thread
            logger.exception("a write job failed")
            failure = exc
        else:
            conn.execute("RELEASE job")
            return result, None
        # This job fails alone; the others in the batch still commit.
        conn.execute("ROLLBACK TO job")
        conn.execute("RELEASE job")
        return None, failure
