"""What only the PostgreSQL store does: migrations under an advisory lock, reconnecting after
a dropped connection, and takeovers announced to every process (LISTEN/NOTIFY).

The contract both stores share is tested in test_store.py.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator

import asyncpg
import pytest

from server.store import (
    Fenced,
    HistoryEntry,
    PostgresStore,
    RetryPolicy,
    SchemaTooNew,
    StorageUnavailable,
    TransientStorageError,
)
from server.store.postgres_schema import MIGRATIONS, SCHEMA_VERSION
from tests.postgres_support import PostgresServer, fresh_database
from tests.support import PROJECT_ROOT, execute, query, wait_until
from tests.test_store import record

FAST_RETRY = RetryPolicy(tries=3, initial=0.05, factor=2, cap=0.2)


@pytest.fixture
def empty_database(postgres_server: PostgresServer) -> Iterator[str]:
    """A database nobody has migrated yet."""
    with fresh_database(postgres_server) as url:
        yield url


async def test_a_new_database_is_migrated_and_the_versions_recorded(empty_database: str) -> None:
    store = PostgresStore(empty_database)
    await store.open()
    await store.close()
    versions = await query(empty_database, "SELECT version FROM schema_migrations ORDER BY 1")
    assert versions == [(v,) for v in range(1, SCHEMA_VERSION + 1)]
    tables = {r[0] for r in await query(
        empty_database, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert {"sessions", "session_history", "admin_log", "schema_migrations"} <= tables
    columns = {r[0] for r in await query(
        empty_database,
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'sessions'")}
    assert {"language", "invited", "owner", "last_seq", "token_hash"} <= columns


MIGRATE_AND_EXIT = """
import asyncio, sys
from server.store import PostgresStore
async def main():
    store = PostgresStore(sys.argv[1])
    await store.open()
    await store.close()
asyncio.run(main())
"""


async def test_ten_processes_starting_at_once_migrate_exactly_once(empty_database: str) -> None:
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", MIGRATE_AND_EXIT, empty_database, cwd=PROJECT_ROOT,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(10)
    ]
    outcomes = [await process.communicate() for process in processes]
    assert [p.returncode for p in processes] == [0] * 10, outcomes
    logs = b"".join(err for _, err in outcomes).decode()
    # Each version was applied by one process only (the log line is per migration applied).
    versions = await query(empty_database, "SELECT version, count(*) FROM schema_migrations "
                                           "GROUP BY version ORDER BY version")
    assert versions == [(v, 1) for v in range(1, SCHEMA_VERSION + 1)]
    assert logs.count("Traceback") == 0


async def test_a_database_from_a_newer_server_is_refused(empty_database: str) -> None:
    store = PostgresStore(empty_database)
    await store.open()
    await store.close()
    await execute(empty_database,
                  f"INSERT INTO schema_migrations (version) VALUES ({SCHEMA_VERSION + 1})")
    with pytest.raises(SchemaTooNew, match="newer than this server"):
        await PostgresStore(empty_database).open()


async def test_a_version_1_database_migrates_forward_keeping_its_rows(empty_database: str) -> None:
    conn = await asyncpg.connect(empty_database)
    try:
        await conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
                           "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
        for statement in MIGRATIONS[0]:
            await conn.execute(statement)
        await conn.execute("INSERT INTO schema_migrations (version) VALUES (1)")
        await conn.execute(
            "INSERT INTO sessions (user_id, survey_id, survey_version, current_step, answers, "
            "token_hash, created_at, updated_at) VALUES ('old', 's', 1, 'S2', '{\"S1\": 3}', "
            "'h', '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z')")
    finally:
        await conn.close()
    store = PostgresStore(empty_database)
    await store.open()
    try:
        loaded = await store.load("old")
    finally:
        await store.close()
    assert loaded is not None
    assert (loaded.record.answers, loaded.record.language, loaded.record.invited) == (
        {"S1": 3}, None, False)


async def test_unreachable_postgres_is_one_clear_error() -> None:
    from tests.postgres_support import free_port

    store = PostgresStore(f"postgresql://nobody:secret@127.0.0.1:{free_port()}/x",
                          connect_timeout=3)
    with pytest.raises(StorageUnavailable, match="cannot connect to PostgreSQL at 127.0.0.1:") as exc:
        await store.open()
    assert "secret" not in str(exc.value)


async def _kill_connections(url: str) -> int:
    """Cut every other connection to the store's database, as a restart or failover would."""
    rows = await query(
        url, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
             "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    return int(rows[0][0])


async def test_a_connection_dropped_mid_write_is_retried_and_the_write_lands_once(
    postgres_url: str,
) -> None:
    store = PostgresStore(postgres_url, retry=FAST_RETRY, pool_size=2)
    await store.open()
    locker = await asyncpg.connect(postgres_url)
    try:
        await store.create(record(), "t", "c", [])
        # Hold the row, so that the save is in flight on its connection when that drops.
        lock = locker.transaction()
        await lock.start()
        await locker.execute("SELECT * FROM sessions FOR UPDATE")
        save = asyncio.create_task(
            store.save(record(last_seq=1), "c", 0, [HistoryEntry("answer", "S1", 1, 1)]))

        async def save_waits() -> bool:
            rows = await query(postgres_url, "SELECT count(*) FROM pg_stat_activity "
                                             "WHERE wait_event_type = 'Lock'")
            return bool(rows[0][0])

        await wait_until(save_waits)
        await locker.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        await lock.rollback()
        await save
        assert store.stats.retries >= 1
        assert await query(postgres_url, "SELECT last_seq FROM sessions") == [(1,)]
        assert await query(postgres_url, "SELECT count(*) FROM session_history") == [(1,)]
        assert await store.healthy()
    finally:
        await locker.close()
        await store.close()


async def test_a_retry_after_a_lost_commit_reply_counts_as_success(postgres_url: str) -> None:
    """The first try committed, then its connection dropped before the reply came back."""
    store = PostgresStore(postgres_url, retry=FAST_RETRY)
    await store.open()
    try:
        await store.create(record(), "t", "c", [])
        attempts = 0
        real_attempt = store._attempt

        async def reply_lost_once(work):  # type: ignore[no-untyped-def]
            nonlocal attempts
            attempts += 1
            result = await real_attempt(work)  # committed...
            if attempts == 1:  # ...but the reply never came back
                raise TransientStorageError("connection lost after commit")
            return result

        store._attempt = reply_lost_once  # type: ignore[method-assign]
        await store.save(record(last_seq=1), "c", 0, [HistoryEntry("answer", "S1", 1, 1)])
        assert attempts == 2
        assert await query(postgres_url, "SELECT last_seq FROM sessions") == [(1,)]
        assert await query(postgres_url, "SELECT count(*) FROM session_history") == [(1,)]
        # A stale write that is not a retry is still refused.
        store._attempt = real_attempt  # type: ignore[method-assign]
        with pytest.raises(Fenced):
            await store.save(record(last_seq=1), "c", 0, [])
    finally:
        await store.close()


async def test_a_takeover_by_another_process_is_announced(postgres_url: str) -> None:
    here, elsewhere = PostgresStore(postgres_url), PostgresStore(postgres_url)
    await here.open()
    await elsewhere.open()
    heard: list[tuple[str, str]] = []
    here.watch_takeovers(lambda user_id, owner: heard.append((user_id, owner)))
    try:
        await wait_until(here._listener.listening.is_set)
        await here.create(record(), "t", "mine", [])
        await elsewhere.claim("u1", "t", "theirs")
        await wait_until(lambda: heard, timeout=5)
        assert heard == [("u1", "theirs")]
    finally:
        await here.close()
        await elsewhere.close()


async def test_the_takeover_listener_reconnects_after_a_drop(postgres_url: str) -> None:
    here, elsewhere = PostgresStore(postgres_url), PostgresStore(postgres_url)
    await here.open()
    await elsewhere.open()
    heard: list[str] = []
    here.watch_takeovers(lambda user_id, owner: heard.append(owner))
    try:
        await wait_until(here._listener.listening.is_set)
        await here.create(record(), "t", "one", [])
        await _kill_connections(postgres_url)
        await wait_until(lambda: here._listener.sessions == 2)
        await elsewhere.claim("u1", "t", "two")
        await wait_until(lambda: heard == ["two"], timeout=5)
    finally:
        await here.close()
        await elsewhere.close()


def test_the_fixture_starts_its_own_cluster_when_nothing_answers() -> None:
    """No SURVEY_TEST_POSTGRES and nothing on the local port: a throwaway cluster serves."""
    from tests.postgres_support import free_port, locate_postgres, stop_cluster

    server = locate_postgres({}, local=f"127.0.0.1:{free_port()}")
    try:
        assert server.origin == "throwaway" and server.cluster is not None
        with fresh_database(server) as url:
            out = subprocess.run(
                [sys.executable, "-c", MIGRATE_AND_EXIT, url], cwd=PROJECT_ROOT,
                capture_output=True, text=True, timeout=60, check=False,
            )
            assert out.returncode == 0, out.stderr
            assert asyncio.run(query(url, "SELECT max(version) FROM schema_migrations")) == [
                (SCHEMA_VERSION,)]
    finally:
        stop_cluster(server)
    assert not server.cluster.exists()


async def test_commits_in_another_process_reach_this_ones_listeners(postgres_url: str) -> None:
    """What the operators' live console hears: commits by any process, once each here."""
    here, elsewhere = PostgresStore(postgres_url), PostgresStore(postgres_url)
    await here.open()
    await elsewhere.open()
    heard: list[str] = []
    here.commit_listeners.append(heard.append)
    try:
        await wait_until(here._listener.listening.is_set)
        await elsewhere.create(record("x", survey_id="other"), "t", "c", [])
        await wait_until(lambda: "other" in heard, timeout=5)
        await here.create(record("y"), "t", "c", [])
        await elsewhere.create(record("z", survey_id="last"), "t", "c", [])
        await wait_until(lambda: "last" in heard, timeout=5)
        # Our own commit was heard once, directly, not again through PostgreSQL.
        assert heard.count("s") == 1
    finally:
        await here.close()
        await elsewhere.close()
