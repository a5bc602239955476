"""What only the SQLite store does: WAL, its one group-committing writer, its locks.

The contract both stores share is tested in test_store.py.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.store import (
    Fenced,
    HistoryEntry,
    RetryPolicy,
    SchemaTooNew,
    SessionRecord,
    SQLiteStore,
    StorageUnavailable,
)
from server.store.sqlite_schema import SCHEMA_VERSION

FAST_RETRY = RetryPolicy(tries=3, initial=0.05, factor=2, cap=0.2)


def record(user_id: str = "u1", last_seq: int = 0, **changes: object) -> SessionRecord:
    fields: dict[str, object] = dict(
        user_id=user_id, survey_id="s", survey_version=1, current_step="S1", answers={},
        step_history=[], is_audio_mode=False, session_data={"drafts": {}}, last_seq=last_seq,
        completed=False,
    )
    fields.update(changes)
    return SessionRecord(**fields)  # type: ignore[arg-type]


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SQLiteStore]:
    opened = SQLiteStore(tmp_path / "s.db", retry=FAST_RETRY, busy_timeout_ms=50, write_timeout=0.3)
    await opened.open()
    yield opened
    await opened.close()


def reader(store: SQLiteStore) -> sqlite3.Connection:
    conn = sqlite3.connect(store.path)
    conn.row_factory = sqlite3.Row
    return conn


async def test_a_new_database_is_migrated_in_wal_mode(store: SQLiteStore) -> None:
    conn = reader(store)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"sessions", "session_history"} <= tables


async def test_concurrent_writes_share_commits(store: SQLiteStore) -> None:
    """While the writer is busy, waiting writes pile up and then go in one commit."""
    count = 50
    for i in range(count):
        await store.create(record(f"u{i}"), "t", "c", [])
    commits_before = store.stats.commits
    inside, release = threading.Event(), threading.Event()

    def blocking_job(conn: sqlite3.Connection) -> None:
        inside.set()
        release.wait(10)

    blocker = asyncio.create_task(store._writer.submit(blocking_job))
    await asyncio.to_thread(inside.wait, 10)
    saves = [
        asyncio.create_task(store.save(record(f"u{i}", last_seq=1), "c", 0,
                                       [HistoryEntry("answer", "S1", {"value": i}, 1)]))
        for i in range(count)
    ]
    await asyncio.sleep(0)  # let every save reach the queue
    release.set()
    await asyncio.gather(blocker, *saves)
    assert store.stats.commits - commits_before == 2  # the blocker's batch, then all 50
    assert store.stats.batch_sizes.get(count) == 1
    seqs = reader(store).execute("SELECT sum(last_seq) FROM sessions").fetchone()[0]
    assert seqs == count


async def test_one_failing_write_does_not_fail_its_batch(store: SQLiteStore) -> None:
    await store.create(record("a"), "t", "c", [])
    await store.create(record("b"), "t", "c", [])
    inside, release = threading.Event(), threading.Event()
    blocker = asyncio.create_task(
        store._writer.submit(lambda conn: (inside.set(), release.wait(10)))
    )
    await asyncio.to_thread(inside.wait, 10)
    good = asyncio.create_task(store.save(record("a", last_seq=1), "c", 0, [HistoryEntry("x")]))
    fenced = asyncio.create_task(store.save(record("b", last_seq=1), "other", 0, [HistoryEntry("y")]))
    await asyncio.sleep(0)
    release.set()
    await blocker
    await good
    with pytest.raises(Fenced):
        await fenced
    rows = dict(reader(store).execute("SELECT user_id, last_seq FROM sessions").fetchall())
    assert rows == {"a": 1, "b": 0}
    assert [r[0] for r in reader(store).execute("SELECT action FROM session_history")] == ["x"]


def reader_of(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path)


def hold_write_lock(path: Path) -> sqlite3.Connection:
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    return blocker


async def test_a_locked_database_is_waited_for_until_the_write_timeout_then_reported(
    store: SQLiteStore,
) -> None:
    await store.create(record(), "t", "c", [])
    blocker = hold_write_lock(store.path)
    try:
        with pytest.raises(StorageUnavailable, match="locked"):
            await store.save(record(last_seq=1), "c", 0, [HistoryEntry("answer")])
        # The writer waited for the lock until the deadline: no time was left for a retry.
        assert store.stats.retries == 0
    finally:
        blocker.execute("ROLLBACK")
    assert reader(store).execute("SELECT last_seq FROM sessions").fetchone()[0] == 0
    await store.save(record(last_seq=1), "c", 0, [HistoryEntry("answer")])
    assert reader(store).execute("SELECT last_seq FROM sessions").fetchone()[0] == 1


async def test_a_lock_released_before_the_deadline_lets_the_write_through(
    tmp_path: Path,
) -> None:
    store = SQLiteStore(tmp_path / "s.db", retry=FAST_RETRY, write_timeout=30)
    await store.open()
    await store.create(record(), "t", "c", [])
    blocker = hold_write_lock(store.path)
    save = asyncio.create_task(store.save(record(last_seq=1), "c", 0, []))
    from tests.support import wait_until

    await wait_until(lambda: store.commit_busy_for > 0.2)  # the writer waits for the lock
    blocker.execute("ROLLBACK")
    await save
    assert store.stats.retries == 0
    assert reader(store).execute("SELECT last_seq FROM sessions").fetchone()[0] == 1
    await store.close()


async def test_a_database_from_a_newer_server_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaTooNew, match="newer than this server"):
        await SQLiteStore(path).open()


async def test_many_processes_can_create_one_new_database_at_once(tmp_path: Path) -> None:
    # Several servers starting together on a database that does not exist yet: each must
    # open it (the switch to WAL mode is where they collide), and it is migrated once.
    for attempt in range(5):
        path = tmp_path / f"fresh-{attempt}.db"
        stores = [SQLiteStore(path) for _ in range(6)]
        try:
            await asyncio.gather(*(store.open() for store in stores))
            await stores[0].create(record(), "t", "c", [])
            for store in stores:
                assert await store.owners(["u1"]) == {"u1": "c"}
        finally:
            for store in stores:
                await store.close()
        assert reader_of(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_synchronous_setting_reaches_the_writer(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "n.db", synchronous="NORMAL")
    await store.open()
    level = await store._writer.submit(
        lambda conn: conn.execute("PRAGMA synchronous").fetchone()[0]
    )
    assert level == 1  # NORMAL
    await store.close()
    store = SQLiteStore(tmp_path / "f.db")
    await store.open()
    assert await store._writer.submit(lambda c: c.execute("PRAGMA synchronous").fetchone()[0]) == 2
    await store.close()