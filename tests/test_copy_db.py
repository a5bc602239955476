"""`python -m server copy-db`: a SQLite team's data moved into PostgreSQL, checked by counts."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from server.store import HistoryEntry, PostgresStore, SQLiteStore
from tests.support import PROJECT_ROOT, query
from tests.test_store import record

EXAMPLE = PROJECT_ROOT / "survey_sessions.db.example"


def copy_db(source: Path, target: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server", "copy-db", "--from", str(source), "--to", target],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )


TABLES = ("sessions", "session_history", "admin_log")


async def test_every_row_is_copied_and_the_copy_serves(tmp_path: Path, postgres_url: str) -> None:
    source = tmp_path / "team.db"
    shutil.copy(EXAMPLE, source)
    store = SQLiteStore(source)
    await store.open()
    await store.create(record("extra", invited=True, language="fr"), "t", "c", [
        HistoryEntry("created", "S1", {"value": [1, "two"]})])
    await store.log_admin("export_csv", "commute", None, 3)
    await store.close()

    result = copy_db(source, postgres_url)
    assert result.returncode == 0, result.stderr
    assert "counts checked" in result.stdout
    for table in TABLES:
        columns = "*" if table != "sessions" else (
            "user_id, survey_id, survey_version, current_step, answers, step_history, "
            "session_data, last_seq, token_hash, created_at, updated_at, completed_at, language")
        before = await query(source, f"SELECT {columns} FROM {table} ORDER BY 1")
        after = await query(postgres_url, f"SELECT {columns} FROM {table} ORDER BY 1")
        assert after == before and after, table
    assert await query(postgres_url, "SELECT count(*) FROM sessions WHERE owner IS NOT NULL") == [
        (0,)]

    copied = PostgresStore(postgres_url)
    await copied.open()
    try:
        loaded = await copied.load("extra")
        assert loaded is not None and loaded.record.invited and loaded.record.language == "fr"
        # New history rows continue after the copied ids.
        await copied.claim("extra", "t", "new-owner")
        ids = [row.id for row in await copied.history("extra")]
        assert ids == sorted(ids) and len(set(ids)) == len(ids) == 2
    finally:
        await copied.close()


async def test_a_target_with_sessions_is_refused_and_left_alone(
    tmp_path: Path, postgres_url: str
) -> None:
    source = tmp_path / "team.db"
    shutil.copy(EXAMPLE, source)
    assert copy_db(source, postgres_url).returncode == 0
    again = copy_db(source, postgres_url)
    assert again.returncode == 1
    assert "already holds" in again.stderr and "copy into an empty database" in again.stderr
    [(sessions,)] = await query(source, "SELECT count(*) FROM sessions")
    assert await query(postgres_url, "SELECT count(*) FROM sessions") == [(sessions,)]


def test_a_missing_source_or_a_file_target_is_a_clear_error(tmp_path: Path) -> None:
    missing = copy_db(tmp_path / "none.db", "postgresql://x@127.0.0.1/y")
    assert missing.returncode == 2 and "there is no SQLite database" in missing.stderr
    shutil.copy(EXAMPLE, tmp_path / "a.db")
    wrong = copy_db(tmp_path / "a.db", str(tmp_path / "b.db"))
    assert wrong.returncode == 2 and "postgresql:// URL" in wrong.stderr
