"""The shared store: PostgreSQL through an asyncpg pool, for several processes or hosts.

Each write is one statement, so one transaction and one round trip: the fencing
conditions (owner, last_seq) sit in the WHERE of the same UPDATE whose CTE inserts the
history rows. PostgreSQL groups the WAL flushes of concurrent commits by itself; how
that compares with batching writes in one transaction here is measured in
bench/pg_commits.py (see the README).

A failure that may go away (a dropped connection, a restart, a failover) is retried by
the same policy as SQLite's. A write whose connection dropped may have committed before
the answer was lost; its retry then finds the row already in the state it was writing,
and that counts as success, so nothing is applied twice and nothing acknowledged is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar

import asyncpg

from ..clock import utc_now
from ..strict_json import dumps as to_json
from . import postgres_lifecycle as lifecycle
from .base import (
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
    TransientStorageError,
    WriteStats,
)
from .postgres_errors import describe_url, is_transient
from .postgres_notify import TakeoverListener, TakeoverSink
from .postgres_results import PostgresResults
from .postgres_schema import migrate
from .postgres_sessions import (
    CLAIM_SESSION,
    CREATE_SESSION,
    LOCK_SESSION,
    SAVE_SESSION,
    SESSION_COLUMNS,
    end_transaction,
    history_arrays,
    to_stored,
)
from .records import HistoryEntry, SessionRecord
from .retry import Retrying, RetryPolicy

logger = logging.getLogger(__name__)

T = TypeVar("T")

TAKEOVER_CHANNEL = "survey_takeover"
COMMITS_CHANNEL = "survey_commits"
# Each process tells the others at most this often which surveys it committed to.
COMMITS_ANNOUNCE_EVERY = 0.25
DEFAULT_RETRY = RetryPolicy()
CONNECT_TIMEOUT = 10.0
# A statement that waits longer than this is treated as a lost connection and retried.
COMMAND_TIMEOUT = 30.0

class PostgresStore(SessionStore):
    def __init__(
        self,
        dsn: str,
        *,
        pool_size: int = 10,
        retry: RetryPolicy = DEFAULT_RETRY,
        connect_timeout: float = CONNECT_TIMEOUT,
        max_history_rows: int = 5000,
    ) -> None:
        super().__init__()
        self.dsn = dsn
        self.max_history_rows = max_history_rows
        self.where = describe_url(dsn)
        self.pool_size = pool_size
        self.connect_timeout = connect_timeout
        self.stats = WriteStats()
        self._retrying = Retrying(retry, self.stats)
        self._pool: asyncpg.Pool | None = None
        self._listener = TakeoverListener(dsn, TAKEOVER_CHANNEL, connect_timeout,
                                          commits=(COMMITS_CHANNEL, self._heard_commit))
        self._process = uuid.uuid4().hex[:16]  # tells our own announcements from others'
        self._to_announce: set[str] = set()
        self._announce_now = asyncio.Event()
        self._announcer: asyncio.Task[None] | None = None
        self.results = PostgresResults(dsn, connect_timeout)

    # Connections

    async def open(self) -> None:
        try:
            conn = await asyncpg.connect(self.dsn, timeout=self.connect_timeout)
        except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
            raise StorageUnavailable(f"cannot connect to PostgreSQL at {self.where}: {exc}") from exc
        try:
            await migrate(conn)
        finally:
            await conn.close()
        self._pool = await asyncpg.create_pool(
            self.dsn, min_size=1, max_size=self.pool_size, timeout=self.connect_timeout,
            command_timeout=COMMAND_TIMEOUT, reset=end_transaction,
        )
        await self._listener.start()
        self._announcer = asyncio.create_task(self._announce_forever(), name="commit-announcer")
        logger.info("PostgreSQL store open at %s (pool of %d)", self.where, self.pool_size)

    async def close(self) -> None:
        if self._announcer is not None:
            self._announcer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._announcer
            self._announcer = None
        await self._listener.stop()
        await self.results.close()
        if self._pool is not None:
            pool, self._pool = self._pool, None
            try:
                await asyncio.wait_for(pool.close(), 30)
            except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                pool.terminate()

    def _acquire_pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise StorageUnavailable("the store is not open")
        return self._pool

    def watch_takeovers(self, sink: TakeoverSink) -> None:
        self._listener.sink = sink

    # Commits, announced across processes: the live console of any process sees them.

    def committed(self, survey_id: str) -> None:
        super().committed(survey_id)
        if self._announcer is not None:
            self._to_announce.add(survey_id)
            self._announce_now.set()

    def _heard_commit(self, payload: str) -> None:
        process, _, survey_id = payload.partition(" ")
        if process != self._process and survey_id:
            super().committed(survey_id)

    async def _announce_forever(self) -> None:
        """One NOTIFY per survey per interval, not one per write: NOTIFY serialises the
        commits that carry it, which would cost every respondent's write."""
        while True:
            await self._announce_now.wait()
            self._announce_now.clear()
            surveys, self._to_announce = sorted(self._to_announce), set()
            try:
                await self._acquire_pool().execute(
                    "SELECT pg_notify($1, $2 || ' ' || s) FROM unnest($3::text[]) AS s",
                    COMMITS_CHANNEL, self._process, surveys,
                )
            except (StorageUnavailable, OSError, TimeoutError, asyncpg.PostgresError,
                    asyncpg.InterfaceError, asyncpg.InternalClientError) as exc:
                # The console refreshes at the next announcement.
                logger.debug("could not announce commits: %s", exc)
            await asyncio.sleep(COMMITS_ANNOUNCE_EVERY)

    # Writes

    async def _attempt(self, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        """One try of a write on a pooled connection; transient failures become retryable."""
        try:
            async with self._acquire_pool().acquire() as conn:
                return await work(conn)
        except StorageUnavailable:
            raise
        except Exception as exc:
            if is_transient(exc):
                raise TransientStorageError(f"{type(exc).__name__}: {exc}") from exc
            raise

    async def _write(self, work: Callable[[asyncpg.Connection, bool], Awaitable[T]]) -> T:
        """Run `work(conn, retrying)` with retries; `retrying` is True after a failed try."""
        tries = 0

        def attempt() -> Awaitable[T]:
            nonlocal tries
            tries += 1
            again = tries > 1
            return self._attempt(lambda conn: work(conn, again))

        result = await self._retrying(attempt)
        self.stats.commits += 1
        self.stats.writes += 1
        self.stats.batch_sizes[1] = self.stats.batch_sizes.get(1, 0) + 1
        return result

    async def create(
        self, record: SessionRecord, token_hash: str, owner: str, history: Sequence[HistoryEntry]
    ) -> SessionRecord:
        async def work(conn: asyncpg.Connection, retrying: bool) -> SessionRecord:
            now = utc_now()
            row = await conn.fetchrow(
                CREATE_SESSION, record.user_id, record.survey_id, record.survey_version,
                record.current_step, to_json(record.answers), to_json(record.step_history),
                record.is_audio_mode, to_json(record.session_data), record.last_seq, token_hash,
                owner, now, now if record.completed else None, record.language,
                record.invited, *history_arrays(history),
            )
            if row is not None:
                return to_stored(row).record
            if retrying:
                # Owners are unique per connection: finding ours means an earlier try of
                # this very write committed, and only its reply was lost with the connection.
                stored = await self._load_on(conn, record.user_id)
                if stored is not None and stored.owner == owner and hmac.compare_digest(
                    stored.token_hash, token_hash
                ):
                    return stored.record
            raise SessionExists(record.user_id)

        created = await self._write(work)
        self.committed(created.survey_id)
        return created

    async def claim(self, user_id: str, token_hash: str, owner: str) -> SessionRecord:
        async def work(conn: asyncpg.Connection, retrying: bool) -> SessionRecord:
            async with conn.transaction():
                row = await conn.fetchrow(LOCK_SESSION, user_id)
                if row is None:
                    raise SessionNotFound(user_id)
                stored = to_stored(row)
                # Constant time, and checked before anything changes.
                if not hmac.compare_digest(stored.token_hash, token_hash):
                    raise TokenMismatch(user_id)
                if stored.owner == owner:  # a retry of a claim that did commit
                    return stored.record
                step = stored.record.current_step
                rows = [HistoryEntry("resumed", step)]
                if stored.owner is not None:
                    rows.insert(0, HistoryEntry("superseded", step))
                claimed = await conn.fetchrow(
                    CLAIM_SESSION, user_id, owner, utc_now(), *history_arrays(rows)
                )
                if stored.owner is not None:
                    # Delivered at commit to every process: the old owner's socket closes.
                    await conn.execute("SELECT pg_notify($1, $2)", TAKEOVER_CHANNEL,
                                       f"{owner} {user_id}")
                return to_stored(claimed).record

        claimed = await self._write(work)
        self.committed(claimed.survey_id)
        return claimed

    async def save(
        self,
        record: SessionRecord,
        owner: str,
        expected_last_seq: int,
        history: Sequence[HistoryEntry],
        release: bool = False,
        previous: SessionRecord | None = None,  # unused: PostgreSQL writes a new row version
    ) -> None:
        async def save_once(conn: asyncpg.Connection, rows: Sequence[HistoryEntry]) -> bool:
            saved = await conn.fetchval(
                SAVE_SESSION, record.user_id, owner, expected_last_seq, record.survey_version,
                record.current_step, to_json(record.answers), to_json(record.step_history),
                record.is_audio_mode, to_json(record.session_data), record.last_seq, utc_now(),
                record.language, record.completed, release, *history_arrays(rows),
            )
            return bool(saved)

        async def work(conn: asyncpg.Connection, retrying: bool) -> None:
            if any(row.action == "rejected" for row in history):
                # The history cap is read and the rows written in one transaction.
                async with conn.transaction():
                    rows = await lifecycle.capped(conn, record.user_id, history,
                                                  self.max_history_rows)
                    saved = await save_once(conn, rows)
            else:
                saved = await save_once(conn, history)  # one statement, one round trip
            if saved:
                return
            if retrying and record.last_seq != expected_last_seq:
                # An earlier try of this write may have committed, its reply lost with the
                # connection: the row then holds our owner, seq and step.
                row = await conn.fetchrow(
                    "SELECT owner, last_seq, current_step FROM sessions WHERE user_id = $1",
                    record.user_id,
                )
                if row is not None and tuple(row[1:]) == (record.last_seq, record.current_step) \
                        and (row[0] == owner or (release and row[0] is None)):
                    return
            gone = await conn.fetchval(
                "SELECT 1 FROM sessions WHERE user_id = $1", record.user_id) is None
            # Erased (or purged) while this connection held it: not a takeover.
            raise SessionNotFound(record.user_id) if gone else Fenced(record.user_id)

        await self._write(work)
        self.committed(record.survey_id)

    async def log_admin(
        self, action: str, survey_id: str | None, user_id: str | None, rows: int | None
    ) -> None:
        async def work(conn: asyncpg.Connection, retrying: bool) -> None:
            await conn.execute(
                "INSERT INTO admin_log (at, action, survey_id, user_id, rows) "
                "VALUES ($1, $2, $3, $4, $5)", utc_now(), action, survey_id, user_id, rows,
            )

        await self._write(work)

    # The data's life (OPERATORS.md): invitations, erasure, retention, backup

    async def invite(
        self, survey_id: str, invitations: Sequence[tuple[SessionRecord, str]]
    ) -> None:
        async def work(conn: asyncpg.Connection, retrying: bool) -> None:
            async with conn.transaction():
                await lifecycle.invite(conn, survey_id, invitations)

        await self._write(work)
        self.committed(survey_id)

    async def erase(self, user_ids: Sequence[str]) -> list[Erased]:
        async def work(conn: asyncpg.Connection, retrying: bool) -> list[Erased]:
            async with conn.transaction():
                return await lifecycle.erase(conn, user_ids)

        erased = await self._write(work)
        if erased:
            await self._vacuum()
        for survey_id in {item.survey_id for item in erased}:
            self.committed(survey_id)
        return erased

    async def purge(self, idle_before: str, dry_run: bool = False) -> list[PurgedSession]:
        if dry_run:
            return await self._read(
                lambda conn: lifecycle.idle_sessions(conn, idle_before, None))

        async def work(conn: asyncpg.Connection, retrying: bool) -> list[PurgedSession]:
            async with conn.transaction():
                return await lifecycle.purge_chunk(conn, idle_before)

        removed: list[PurgedSession] = []
        while True:  # short transactions: respondents' writes never wait for a whole purge
            chunk = await self._write(work)
            removed.extend(chunk)
            if len(chunk) < lifecycle.PURGE_CHUNK:
                break
        if removed:
            await self._vacuum()
        for survey_id in {item.survey_id for item in removed}:
            self.committed(survey_id)
        return removed

    async def _vacuum(self) -> None:
        try:
            await self._read(lifecycle.vacuum)
        except StorageUnavailable as exc:  # autovacuum will do it later
            logger.warning("could not vacuum after deleting sessions: %s", exc)

    async def backup(self, dest: Path) -> None:
        async def work(conn: asyncpg.Connection) -> None:
            await lifecycle.backup(conn, Path(dest))

        await self._read(work)

    # Reads: one try each; a read that fails is reported, and the caller decides.

    async def _read(self, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        try:
            return await self._attempt(work)
        except TransientStorageError as exc:
            raise StorageUnavailable(str(exc)) from exc

    @staticmethod
    async def _load_on(conn: asyncpg.Connection, user_id: str) -> StoredSession | None:
        row = await conn.fetchrow(f"SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = $1",
                                  user_id)
        return None if row is None else to_stored(row)

    async def load(self, user_id: str) -> StoredSession | None:
        return await self._read(lambda conn: self._load_on(conn, user_id))

    async def owners(self, user_ids: Sequence[str]) -> dict[str, str | None]:
        async def work(conn: asyncpg.Connection) -> dict[str, str | None]:
            rows = await conn.fetch(
                "SELECT user_id, owner FROM sessions WHERE user_id = ANY($1::text[])",
                list(user_ids),
            )
            return {row[0]: row[1] for row in rows}

        return await self._read(work)

    async def history(self, user_id: str) -> list[HistoryRow]:
        async def work(conn: asyncpg.Connection) -> list[asyncpg.Record]:
            return list(await conn.fetch(
                "SELECT id, user_id, action, step, answer, seq, timestamp FROM session_history "
                "WHERE user_id = $1 ORDER BY id", user_id,
            ))

        rows = await self._read(work)
        return [
            HistoryRow(r[0], r[1], r[2], r[3], None if r[4] is None else json.loads(r[4]), r[5], r[6])
            for r in rows
        ]

    async def healthy(self) -> bool:
        try:
            async with asyncio.timeout(2):
                return bool(await self._read(lambda conn: conn.fetchval("SELECT 1")) == 1)
        except (StorageUnavailable, TimeoutError):
            return False

