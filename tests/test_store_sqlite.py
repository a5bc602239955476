"""The SQLite store on real files, checked through a separate reader connection."""

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
    SessionExists,
    SessionNotFound,
    SessionRecord,
    SQLiteStore,
    StorageUnavailable,
    TokenMismatch,
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


async def test_a_write_is_on_disk_when_save_returns(store: SQLiteStore) -> None:
    await store.create(record(), "hash", "conn-1", [HistoryEntry("created", "S1")])
    changed = record(last_seq=1, current_step="S2", answers={"S1": "yes"}, step_history=["S1"])
    await store.save(changed, "conn-1", 0, [HistoryEntry("answer", "S1", {"value": "yes"}, 1)])
    row = reader(store).execute("SELECT * FROM sessions").fetchone()
    assert (row["current_step"], row["answers"], row["last_seq"]) == ("S2", '{"S1":"yes"}', 1)
    actions = [tuple(r) for r in reader(store).execute(
        "SELECT action, step, answer, seq FROM session_history ORDER BY id")]
    assert actions == [("created", "S1", None, None), ("answer", "S1", '{"value":"yes"}', 1)]


async def test_completed_at_is_set_once(store: SQLiteStore) -> None:
    await store.create(record(), "h", "c", [])
    await store.save(record(last_seq=1, completed=True, current_step="END"), "c", 0, [])
    first = reader(store).execute("SELECT completed_at FROM sessions").fetchone()[0]
    assert first is not None
    await store.save(record(last_seq=2, completed=True, current_step="END"), "c", 1, [])
    assert reader(store).execute("SELECT completed_at FROM sessions").fetchone()[0] == first
    loaded = await store.load("u1")
    assert loaded is not None and loaded.record.completed


async def test_create_refuses_an_existing_id(store: SQLiteStore) -> None:
    await store.create(record(), "h", "c", [])
    with pytest.raises(SessionExists):
        await store.create(record(), "h2", "c2", [HistoryEntry("created")])
    assert reader(store).execute("SELECT count(*) FROM session_history").fetchone()[0] == 0


async def test_claim_checks_the_token_before_changing_anything(store: SQLiteStore) -> None:
    await store.create(record(), "right", "old", [])
    with pytest.raises(TokenMismatch):
        await store.claim("u1", "wrong", "intruder")
    assert reader(store).execute("SELECT owner FROM sessions").fetchone()[0] == "old"
    with pytest.raises(SessionNotFound):
        await store.claim("nobody", "right", "x")
    await store.claim("u1", "right", "new")
    assert reader(store).execute("SELECT owner FROM sessions").fetchone()[0] == "new"
    actions = [r[0] for r in reader(store).execute("SELECT action FROM session_history")]
    assert actions == ["superseded", "resumed"]


async def test_writes_are_fenced_on_the_owner(store: SQLiteStore) -> None:
    await store.create(record(), "t", "old", [])
    await store.claim("u1", "t", "new")
    with pytest.raises(Fenced):
        await store.save(record(last_seq=1, current_step="S9"), "old", 0, [HistoryEntry("answer")])
    row = reader(store).execute("SELECT current_step, last_seq FROM sessions").fetchone()
    assert tuple(row) == ("S1", 0)


async def test_a_write_with_a_stale_last_seq_is_refused(store: SQLiteStore) -> None:
    await store.create(record(), "t", "c", [])
    await store.save(record(last_seq=1), "c", 0, [])
    with pytest.raises(Fenced):
        await store.save(record(last_seq=1, current_step="again"), "c", 0, [])


async def test_release_gives_up_ownership(store: SQLiteStore) -> None:
    await store.create(record(), "t", "c", [])
    await store.save(record(), "c", 0, [HistoryEntry("disconnected")], release=True)
    assert reader(store).execute("SELECT owner FROM sessions").fetchone()[0] is None
    # A later claim records no "superseded": nobody held the session.
    await store.claim("u1", "t", "d")
    actions = [r[0] for r in reader(store).execute("SELECT action FROM session_history")]
    assert actions == ["disconnected", "resumed"]


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


async def test_two_stores_on_one_file_migrate_once(tmp_path: Path) -> None:
    first, second = SQLiteStore(tmp_path / "x.db"), SQLiteStore(tmp_path / "x.db")
    await asyncio.gather(first.open(), second.open())
    await first.create(record(), "t", "c", [])
    loaded = await second.load("u1")
    assert loaded is not None and loaded.record.current_step == "S1"
    await first.close()
    await second.close()


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


async def test_history_and_owners_reads(store: SQLiteStore) -> None:
    await store.create(record(), "t", "c", [HistoryEntry("created", "S1", {"a": [1]})])
    rows = await store.history("u1")
    assert [(r.action, r.step, r.answer) for r in rows] == [("created", "S1", {"a": [1]})]
    assert rows[0].timestamp.endswith("Z")
    assert await store.owners(["u1", "ghost"]) == {"u1": "c"}
    assert await store.healthy()
