"""Databases written by earlier releases open, migrate forward, and keep every row."""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

from server.store import SQLiteStore
from server.store.sqlite_schema import SCHEMA_VERSION
from tests.support import PROJECT_ROOT

# survey_sessions.db.example as released with schema version 1 (three sessions, their history).
SCHEMA_V1 = PROJECT_ROOT / "tests" / "fixtures" / "schema_v1.db"


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


async def test_a_version_1_database_migrates_to_the_current_schema(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    shutil.copy(SCHEMA_V1, db)
    before_sessions = _rows(db, "SELECT user_id, answers, step_history, last_seq FROM sessions")
    before_history = _rows(db, "SELECT id, user_id, action, answer FROM session_history")
    assert _rows(db, "PRAGMA user_version") == [(1,)]

    store = SQLiteStore(db)
    await store.open()
    try:
        stored = await store.load("example-partway")
    finally:
        await store.close()

    assert _rows(db, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert _rows(db, "SELECT user_id, answers, step_history, last_seq FROM sessions") == (
        before_sessions
    )
    assert _rows(db, "SELECT id, user_id, action, answer FROM session_history") == before_history
    # Sessions from before languages and invitations: the survey's language, never invited.
    assert _rows(db, "SELECT DISTINCT language, invited FROM sessions") == [(None, 0)]
    assert _rows(db, "SELECT count(*) FROM admin_log") == [(0,)]
    assert stored is not None and stored.record.language is None
    assert stored.record.current_step == "satisfaction"
    assert _rows(db, "PRAGMA integrity_check") == [("ok",)]


# survey_sessions.db.example as it was with schema version 2 (before access and lifetime).
SCHEMA_V2 = PROJECT_ROOT / "tests" / "fixtures" / "schema_v2.db"


async def test_a_version_2_database_takes_invitations_erasure_purge_and_backup(
    tmp_path: Path,
) -> None:
    db = tmp_path / "v2.db"
    shutil.copy(SCHEMA_V2, db)
    assert _rows(db, "PRAGMA user_version") == [(2,)]
    before = _rows(db, "SELECT user_id, answers, last_seq FROM sessions ORDER BY user_id")
    store = SQLiteStore(db)
    await store.open()
    try:
        stored = await store.load("example-complete")
        assert stored is not None
        await store.invite("commute", [(replace(stored.record, user_id="inv-1", invited=True),
                                        "hash")])
        erased = await store.erase(["example-audio"])
        listed = await store.purge("2000-01-01T00:00:00.000Z", dry_run=True)
        await store.backup(tmp_path / "copy.db")
    finally:
        await store.close()
    assert _rows(db, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert [e.user_id for e in erased] == ["example-audio"] and listed == []
    after = _rows(db, "SELECT user_id, answers, last_seq FROM sessions ORDER BY user_id")
    assert [r for r in after if r[0] != "inv-1"] == [r for r in before if r[0] != "example-audio"]
    assert _rows(db, "SELECT invited FROM sessions WHERE user_id = 'inv-1'") == [(1,)]
    assert _rows(tmp_path / "copy.db", "PRAGMA integrity_check") == [("ok",)]
