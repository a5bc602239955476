"""A damaged database file stops `python -m server serve` with one line, and stays as it was."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from server.store.sqlite import SQLiteStore
from tests.support import PROJECT_ROOT


def serve(db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server", "serve", "--db", str(db), "--port", "0"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "SURVEY_LOG_LEVEL": "info"},
    )


async def a_real_database(path: Path, sessions: int = 300) -> bytes:
    """A database the server made, with enough rows to span many pages."""
    from server.store import HistoryEntry, SessionRecord

    store = SQLiteStore(path)
    await store.open()
    for n in range(sessions):
        record = SessionRecord(
            user_id=f"user-{n}", survey_id="commute", survey_version=1, current_step="mode",
            answers={"intro": None}, step_history=["intro"], is_audio_mode=False,
            session_data={"drafts": {}, "note": "x" * 200}, last_seq=1, completed=False,
        )
        await store.create(record, "0" * 64, "owner", [HistoryEntry("created", "intro")])
    await store.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path.read_bytes()


def refused_in_one_line(db: Path, result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if "ERROR" in line or str(db) in line]
    assert len(errors) == 1, result.stderr
    assert str(db) in errors[0]
    return errors[0]


def test_random_bytes_are_refused_in_one_line_and_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "random.db"
    content = os.urandom(64 * 1024)
    db.write_bytes(content)
    line = refused_in_one_line(db, serve(db))
    assert "not an SQLite database" in line
    assert db.read_bytes() == content


@pytest.mark.parametrize("keep", [0.9, 0.5, 0.1])
async def test_a_truncated_database_is_refused_in_one_line_and_left_alone(
    tmp_path: Path, keep: float
) -> None:
    db = tmp_path / "truncated.db"
    whole = await a_real_database(db)
    cut = whole[: int(len(whole) * keep)]
    db.write_bytes(cut)
    line = refused_in_one_line(db, serve(db))
    assert "damaged" in line
    assert db.read_bytes() == cut
