"""The embedded store: one SQLite file, WAL, one group-committing writer, aiosqlite reads."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Literal, TypeVar

import aiosqlite
import backoff

from .base import (
    DatabaseDamaged,
    Erased,
    HistoryRow,
    PurgedSession,
    SessionStore,
    StorageUnavailable,
    StoredSession,
    TransientStorageError,
    WriteStats,
)
from .records import HistoryEntry, SessionRecord
from .retry import Retrying, RetryPolicy
from .sqlite_lifecycle import (
    PURGE_CHUNK,
    backup_to,
    checkpoint_job,
    create_private,
    erase_job,
    idle_sessions,
    invite_job,
    purge_job,
)
from .sqlite_results import SQLiteResults
from .sqlite_schema import migrate
from .sqlite_sessions import (
    SESSION_COLUMNS,
    claim_job,
    create_job,
    log_admin_job,
    row_to_stored,
    save_job,
)
from .sqlite_writer import Job, SQLiteWriter

logger = logging.getLogger(__name__)

T = TypeVar("T")
Synchronous = Literal["FULL", "NORMAL"]
OWNER_BATCH = 500


def _probe(conn: sqlite3.Connection) -> None:
    """Read the schema and the newest rows: a truncated file usually lost its last pages,
    which is where the rightmost b-tree pages (the newest rows) live. Cheap at any size;
    it finds most damage at start rather than at some respondent's write."""
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    conn.execute("SELECT max(rowid) FROM sessions").fetchone()
    conn.execute("SELECT max(id), max(user_id) FROM session_history").fetchone()
    conn.execute("SELECT max(survey_id) FROM sessions INDEXED BY sessions_by_survey").fetchone()


def _damage(exc: sqlite3.DatabaseError) -> str | None:
    """What is wrong with the file, in words, or None if the error is not about damage."""
    name = getattr(exc, "sqlite_errorname", "")
    if name.startswith("SQLITE_NOTADB"):
        return "the file is not an SQLite database (or is encrypted)"
    if name.startswith("SQLITE_CORRUPT"):
        return f"the database file is damaged ({exc}); restore it from a backup"
    return None


class SQLiteStore(SessionStore):
    def __init__(
        self,
        path: Path,
        *,
        synchronous: Synchronous = "FULL",
        busy_timeout_ms: int = 5000,
        max_pending_writes: int = 10_000,
        retry: RetryPolicy = RetryPolicy(),
        max_history_rows: int = 5000,
        write_timeout: float = 5.0,
    ) -> None:
        super().__init__()
        self.path = Path(path)
        self.max_history_rows = max_history_rows
        self.synchronous = synchronous
        self.busy_timeout_ms = busy_timeout_ms
        # Each write's time to StorageUnavailable, from when the store takes it up.
        self.write_timeout = write_timeout
        self.retry = retry
        self.stats = WriteStats()
        self._retrying = Retrying(retry, self.stats)
        self._writer = SQLiteWriter(self._connect_writer, max_pending_writes, self.stats)
        self._reader: aiosqlite.Connection | None = None
        self.results = SQLiteResults(self.path, busy_timeout_ms)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    def _enable_wal(self, conn: sqlite3.Connection) -> None:
        # Switching to WAL needs an exclusive lock, and while another process sets up the
        # same new file SQLite answers "locked" at once, without its busy handler: so
        # retry here for as long as the busy timeout would have waited.
        @backoff.on_exception(
            backoff.expo, sqlite3.OperationalError, factor=0.01, max_value=0.25,
            max_time=self.busy_timeout_ms / 1000, giveup=lambda exc: "locked" not in str(exc),
            logger=None,
        )
        def switch() -> str:
            mode: str = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            return mode

        if switch() != "wal":
            logger.warning("%s is not in WAL mode; writes will block reads", self.path)

    def _connect_writer(self) -> sqlite3.Connection:
        create_private(self.path)  # mode 0600; the -wal and -shm files follow it
        conn = self._connect()
        try:
            # Deleted content is overwritten with zeros, so an erased answer cannot be
            # read back from free space in the file (OPERATORS.md: Erasure).
            conn.execute("PRAGMA secure_delete = ON")
            self._enable_wal(conn)
            conn.execute(f"PRAGMA synchronous = {self.synchronous}")
            migrate(conn)
            _probe(conn)
        except sqlite3.DatabaseError as exc:
            conn.close()
            damage = _damage(exc)
            if damage is None:
                raise
            raise DatabaseDamaged(damage) from None
        except BaseException:
            conn.close()
            raise
        return conn

    async def open(self) -> None:
        await asyncio.to_thread(self._writer.start)
        self._reader = await aiosqlite.connect(self.path, isolation_level=None)
        await self._reader.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        await self._reader.execute("PRAGMA query_only = ON")
        logger.info("SQLite store open at %s (synchronous=%s)", self.path, self.synchronous)

    async def close(self) -> None:
        await self.results.close()
        await asyncio.to_thread(self._writer.stop)
        if self._reader is not None:
            await self._reader.close()
            self._reader = None

    async def _write(self, job: Job[T]) -> T:
        deadline = time.monotonic() + self.write_timeout
        try:  # the first attempt without the retry layer: nearly every write succeeds at once
            return await self._writer.submit(job, deadline)
        except TransientStorageError as exc:
            return await self._retrying.after(
                exc, lambda: self._writer.submit(job, deadline), deadline)

    async def create(
        self, record: SessionRecord, token_hash: str, owner: str, history: Sequence[HistoryEntry]
    ) -> SessionRecord:
        created = await self._write(partial(create_job, record, token_hash, owner, tuple(history)))
        self.committed(created.survey_id)
        return created

    async def claim(self, user_id: str, token_hash: str, owner: str) -> SessionRecord:
        claimed = await self._write(partial(claim_job, user_id, token_hash, owner))
        self.committed(claimed.survey_id)
        return claimed

    async def save(
        self,
        record: SessionRecord,
        owner: str,
        expected_last_seq: int,
        history: Sequence[HistoryEntry],
        release: bool = False,
        previous: SessionRecord | None = None,
    ) -> None:
        job = partial(save_job, record, owner, expected_last_seq, tuple(history), release,
                      self.max_history_rows, previous)
        await self._write(job)
        self.committed(record.survey_id)

    async def log_admin(
        self, action: str, survey_id: str | None, user_id: str | None, rows: int | None
    ) -> None:
        await self._write(partial(log_admin_job, action, survey_id, user_id, rows))

    async def invite(
        self, survey_id: str, invitations: Sequence[tuple[SessionRecord, str]]
    ) -> None:
        await self._write(partial(invite_job, survey_id, tuple(invitations)))
        self.committed(survey_id)

    async def erase(self, user_ids: Sequence[str]) -> list[Erased]:
        erased = await self._write(partial(erase_job, tuple(user_ids)))
        for survey_id in {item.survey_id for item in erased}:
            self.committed(survey_id)
        if erased:
            await self._checkpoint()
        return erased

    async def _checkpoint(self) -> None:
        """Move the WAL into the database and empty it, so that deleted answers leave no
        copy behind. The deletion is committed already: a failure here is logged, and the
        next checkpoint (SQLite makes them as the WAL grows) finishes the job."""
        deadline = time.monotonic() + self.write_timeout
        try:
            await self._retrying(
                lambda: self._writer.submit(checkpoint_job, deadline, alone=True), deadline)
        except StorageUnavailable as exc:
            logger.warning("the checkpoint after a deletion failed (%s); the WAL may keep "
                           "deleted data until the next checkpoint", exc)

    async def purge(self, idle_before: str, dry_run: bool = False) -> list[PurgedSession]:
        if dry_run:
            def listing(conn: sqlite3.Connection) -> list[PurgedSession]:
                return idle_sessions(conn, idle_before, -1)
            return await self._write(listing)
        removed: list[PurgedSession] = []
        while True:
            chunk = await self._write(partial(purge_job, idle_before))
            removed.extend(chunk)
            if len(chunk) < PURGE_CHUNK:
                break
        for survey_id in {item.survey_id for item in removed}:
            self.committed(survey_id)
        if removed:
            await self._checkpoint()
        return removed

    async def backup(self, dest: Path) -> None:
        try:
            await asyncio.to_thread(backup_to, self.path, Path(dest), self.busy_timeout_ms)
        except sqlite3.Error as exc:
            raise StorageUnavailable(str(exc)) from exc

    def _reading(self) -> aiosqlite.Connection:
        if self._reader is None:
            raise StorageUnavailable("the store is not open")
        return self._reader

    async def load(self, user_id: str) -> StoredSession | None:
        try:
            async with self._reading().execute(
                f"SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = ?", (user_id,)
            ) as cursor:
                row = await cursor.fetchone()
        except sqlite3.Error as exc:
            raise StorageUnavailable(str(exc)) from exc
        return None if row is None else row_to_stored(row)

    async def owners(self, user_ids: Sequence[str]) -> dict[str, str | None]:
        found: dict[str, str | None] = {}
        try:
            for start in range(0, len(user_ids), OWNER_BATCH):
                chunk = list(user_ids[start:start + OWNER_BATCH])
                marks = ",".join("?" * len(chunk))
                async with self._reading().execute(
                    f"SELECT user_id, owner FROM sessions WHERE user_id IN ({marks})", chunk
                ) as cursor:
                    found.update({row[0]: row[1] async for row in cursor})
        except sqlite3.Error as exc:
            raise StorageUnavailable(str(exc)) from exc
        return found

    async def history(self, user_id: str) -> list[HistoryRow]:
        try:
            async with self._reading().execute(
                "SELECT id, user_id, action, step, answer, seq, timestamp FROM session_history "
                "WHERE user_id = ? ORDER BY id",
                (user_id,),
            ) as cursor:
                rows = await cursor.fetchall()
        except sqlite3.Error as exc:
            raise StorageUnavailable(str(exc)) from exc
        return [
            HistoryRow(r[0], r[1], r[2], r[3], None if r[4] is None else json.loads(r[4]), r[5], r[6])
            for r in rows
        ]

    @property
    def pending_writes(self) -> int:
        return self._writer.pending

    @property
    def commit_busy_for(self) -> float:
        """Seconds the commit in progress has taken so far (0 when the writer is idle)."""
        return self._writer.busy_for

    def write_trouble(self) -> str | None:
        # Half the write timeout: the load balancer hears of a lock before writes fail.
        return self._writer.trouble(stuck_after=self.write_timeout / 2)

    async def healthy(self) -> bool:
        try:
            async with asyncio.timeout(2):
                async with self._reading().execute("SELECT 1") as cursor:
                    return await cursor.fetchone() == (1,)
        except (sqlite3.Error, TimeoutError, StorageUnavailable, ValueError):
            return False
