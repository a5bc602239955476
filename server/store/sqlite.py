"""The embedded store: one SQLite file, WAL, one group-committing writer, aiosqlite reads."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import sqlite3
import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any, Literal, TypeVar

import aiosqlite
import backoff

from ..clock import utc_now
from ..strict_json import dumps as to_json
from .base import (
    DatabaseDamaged,
    Erased,
    Fenced,
    HistoryRow,
    PurgedSession,
    SessionExists,
    SessionNotFound,
    SessionStore,
    StorageUnavailable,
    StoredSession,
    TokenMismatch,
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
from .sqlite_writer import Job, SQLiteWriter

logger = logging.getLogger(__name__)

T = TypeVar("T")
Synchronous = Literal["FULL", "NORMAL"]

SESSION_COLUMNS = (
    "user_id, survey_id, survey_version, current_step, answers, step_history, is_audio_mode, "
    "session_data, last_seq, token_hash, owner, created_at, updated_at, completed_at, language, "
    "invited"
)
INSERT_HISTORY = (
    "INSERT INTO session_history (user_id, action, step, answer, seq, timestamp) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
UPDATE_SESSION = """
    UPDATE sessions SET
        survey_version = ?, current_step = ?, answers = ?, step_history = ?,
        is_audio_mode = ?, session_data = ?, last_seq = ?, updated_at = ?, language = ?,
        completed_at = CASE WHEN ? THEN COALESCE(completed_at, ?) ELSE NULL END,
        owner = CASE WHEN ? THEN NULL ELSE owner END
    WHERE user_id = ? AND owner = ? AND last_seq = ?
"""
OWNER_BATCH = 500


def _history_params(user_id: str, rows: Sequence[HistoryEntry], now: str) -> list[tuple[Any, ...]]:
    return [
        (user_id, r.action, r.step, None if r.answer is None else to_json(r.answer), r.seq, now)
        for r in rows
    ]


def _row_to_stored(row: Sequence[Any]) -> StoredSession:
    record = SessionRecord(
        user_id=row[0],
        survey_id=row[1],
        survey_version=row[2],
        current_step=row[3],
        answers=json.loads(row[4]),
        step_history=json.loads(row[5]),
        is_audio_mode=bool(row[6]),
        session_data=json.loads(row[7]),
        last_seq=row[8],
        completed=row[13] is not None,
        created_at=row[11],
        updated_at=row[12],
        completed_at=row[13],
        language=row[14],
        invited=bool(row[15]),
    )
    return StoredSession(record=record, token_hash=row[9], owner=row[10])


# Write jobs: each runs inside the writer's transaction, under its own savepoint.


def _create_job(
    record: SessionRecord, token_hash: str, owner: str, history: Sequence[HistoryEntry],
    conn: sqlite3.Connection,
) -> SessionRecord:
    now = utc_now()
    try:
        conn.execute(
            f"INSERT INTO sessions ({SESSION_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                record.user_id, record.survey_id, record.survey_version, record.current_step,
                to_json(record.answers), to_json(record.step_history), int(record.is_audio_mode),
                to_json(record.session_data), record.last_seq, token_hash, owner, now, now,
                now if record.completed else None, record.language, int(record.invited),
            ),
        )
    except sqlite3.IntegrityError:
        raise SessionExists(record.user_id) from None
    conn.executemany(INSERT_HISTORY, _history_params(record.user_id, history, now))
    return _select(conn, record.user_id).record


def _claim_job(user_id: str, token_hash: str, owner: str, conn: sqlite3.Connection) -> SessionRecord:
    stored = _select(conn, user_id)
    # Constant time, and checked before anything changes: a failed attempt disturbs nobody.
    if not hmac.compare_digest(stored.token_hash, token_hash):
        raise TokenMismatch(user_id)
    now = utc_now()
    conn.execute(
        "UPDATE sessions SET owner = ?, updated_at = ?, invited = 0 WHERE user_id = ?",
        (owner, now, user_id),
    )
    step = stored.record.current_step
    rows = [HistoryEntry("resumed", step)]
    if stored.owner is not None:
        rows.insert(0, HistoryEntry("superseded", step))
    conn.executemany(INSERT_HISTORY, _history_params(user_id, rows, now))
    return _select(conn, user_id).record


def _capped(
    conn: sqlite3.Connection, user_id: str, history: Sequence[HistoryEntry], cap: int
) -> Sequence[HistoryEntry]:
    """Past `cap` history rows, rejected messages are no longer recorded; one
    `history_capped` row says so. Only asked when a rejected row is about to be written."""
    if not any(row.action == "rejected" for row in history):
        return history
    (count,) = conn.execute(
        "SELECT count(*) FROM session_history WHERE user_id = ?", (user_id,)).fetchone()
    if count < cap:
        return history
    kept = [row for row in history if row.action != "rejected"]
    noted = conn.execute(
        "SELECT 1 FROM session_history WHERE user_id = ? AND action = 'history_capped'",
        (user_id,)).fetchone()
    if noted is None:
        kept.append(HistoryEntry("history_capped", None, {"max_history_rows": cap}))
    return kept


def _save_job(
    record: SessionRecord, owner: str, expected_last_seq: int, history: Sequence[HistoryEntry],
    release: bool, max_history: int, conn: sqlite3.Connection,
) -> None:
    now = utc_now()
    cursor = conn.execute(
        UPDATE_SESSION,
        (
            record.survey_version, record.current_step, to_json(record.answers),
            to_json(record.step_history), int(record.is_audio_mode), to_json(record.session_data),
            record.last_seq, now, record.language, record.completed, now, release,
            record.user_id, owner, expected_last_seq,
        ),
    )
    if cursor.rowcount == 0:
        gone = conn.execute(
            "SELECT 1 FROM sessions WHERE user_id = ?", (record.user_id,)).fetchone() is None
        # Erased (or purged) while this connection held it: not a takeover.
        raise SessionNotFound(record.user_id) if gone else Fenced(record.user_id)
    history = _capped(conn, record.user_id, history, max_history)
    conn.executemany(INSERT_HISTORY, _history_params(record.user_id, history, now))


def _log_admin_job(
    action: str, survey_id: str | None, user_id: str | None, rows: int | None,
    conn: sqlite3.Connection,
) -> None:
    conn.execute(
        "INSERT INTO admin_log (at, action, survey_id, user_id, rows) VALUES (?, ?, ?, ?, ?)",
        (utc_now(), action, survey_id, user_id, rows),
    )


def _select(conn: sqlite3.Connection, user_id: str) -> StoredSession:
    row = conn.execute(
        f"SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = ?", (user_id,)
    ).fetchone()
    if row is None:
        raise SessionNotFound(user_id)
    return _row_to_stored(row)


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
        return await self._retrying(lambda: self._writer.submit(job, deadline), deadline)

    async def create(
        self, record: SessionRecord, token_hash: str, owner: str, history: Sequence[HistoryEntry]
    ) -> SessionRecord:
        created = await self._write(partial(_create_job, record, token_hash, owner, tuple(history)))
        self.committed(created.survey_id)
        return created

    async def claim(self, user_id: str, token_hash: str, owner: str) -> SessionRecord:
        claimed = await self._write(partial(_claim_job, user_id, token_hash, owner))
        self.committed(claimed.survey_id)
        return claimed

    async def save(
        self,
        record: SessionRecord,
        owner: str,
        expected_last_seq: int,
        history: Sequence[HistoryEntry],
        release: bool = False,
    ) -> None:
        job = partial(_save_job, record, owner, expected_last_seq, tuple(history), release,
                      self.max_history_rows)
        await self._write(job)
        self.committed(record.survey_id)

    async def log_admin(
        self, action: str, survey_id: str | None, user_id: str | None, rows: int | None
    ) -> None:
        await self._write(partial(_log_admin_job, action, survey_id, user_id, rows))

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
        return None if row is None else _row_to_stored(row)

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
