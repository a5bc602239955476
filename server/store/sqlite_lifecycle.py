"""SQLite side of the data's life: invitations, erasure, retention and backup.

Writes are jobs for the one writer (sqlite_writer.py); each statement is a small named
function, so the PostgreSQL store can mirror them one by one.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from ..clock import utc_now
from ..strict_json import dumps as to_json
from .base import Erased, PurgedSession, SessionsExist
from .records import SessionRecord

logger = logging.getLogger(__name__)

# Ids per IN (...) query and sessions per purge transaction: writes of respondents wait
# behind one job, so a large purge is many short jobs.
ID_CHUNK = 500
PURGE_CHUNK = 1000
OWNER_ONLY = 0o600

INSERT_INVITED = """
    INSERT INTO sessions (user_id, survey_id, survey_version, current_step, token_hash,
                          created_at, updated_at, language, invited)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)
"""
INSERT_HISTORY = (
    "INSERT INTO session_history (user_id, action, step, answer, seq, timestamp) "
    "VALUES (?, ?, ?, ?, NULL, ?)"
)
INSERT_ADMIN_LOG = (
    "INSERT INTO admin_log (at, action, survey_id, user_id, rows) VALUES (?, ?, ?, ?, ?)"
)


def existing_ids(conn: sqlite3.Connection, user_ids: Sequence[str]) -> list[str]:
    found: list[str] = []
    for start in range(0, len(user_ids), ID_CHUNK):
        chunk = list(user_ids[start:start + ID_CHUNK])
        marks = ",".join("?" * len(chunk))
        found.extend(row[0] for row in conn.execute(
            f"SELECT user_id FROM sessions WHERE user_id IN ({marks})", chunk))
    return sorted(found)


def invite_job(
    survey_id: str, invitations: Sequence[tuple[SessionRecord, str]], conn: sqlite3.Connection
) -> None:
    """All or nothing: SessionsExist (and nothing written) when any id is taken."""
    taken = existing_ids(conn, [record.user_id for record, _ in invitations])
    if taken:
        raise SessionsExist(taken)
    now = utc_now()
    conn.executemany(INSERT_INVITED, [
        (r.user_id, r.survey_id, r.survey_version, r.current_step, token_hash, now, now,
         r.language) for r, token_hash in invitations
    ])
    conn.executemany(INSERT_HISTORY, [
        (r.user_id, "invited", r.current_step, to_json({"survey_version": r.survey_version}), now)
        for r, _ in invitations
    ])
    conn.execute(INSERT_ADMIN_LOG, (now, "invite", survey_id, None, len(invitations)))


def delete_session(conn: sqlite3.Connection, user_id: str) -> int:
    """Delete a session and every history row of it; the number of rows removed.

    History first and by hand: foreign keys (and so ON DELETE CASCADE) hold only on
    connections that turned them on.
    """
    history = conn.execute("DELETE FROM session_history WHERE user_id = ?", (user_id,)).rowcount
    sessions = conn.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,)).rowcount
    return history + sessions


def erase_job(user_ids: Sequence[str], conn: sqlite3.Connection) -> list[Erased]:
    """Erase each existing session; one admin_log row per erasure keeps the erased id."""
    erased: list[Erased] = []
    now = utc_now()
    for user_id in dict.fromkeys(user_ids):
        row = conn.execute("SELECT survey_id FROM sessions WHERE user_id = ?", (user_id,)).fetchone()
        if row is None:
            continue
        rows = delete_session(conn, user_id)
        conn.execute(INSERT_ADMIN_LOG, (now, "erase", row[0], user_id, rows))
        erased.append(Erased(user_id, row[0]))
    return erased


def idle_sessions(conn: sqlite3.Connection, idle_before: str, limit: int) -> list[PurgedSession]:
    return [PurgedSession(*row) for row in conn.execute(
        "SELECT user_id, survey_id, updated_at FROM sessions WHERE updated_at < ? "
        "ORDER BY updated_at, user_id LIMIT ?", (idle_before, limit))]


def purge_job(idle_before: str, conn: sqlite3.Connection) -> list[PurgedSession]:
    """Delete up to PURGE_CHUNK sessions idle since before `idle_before`; those deleted."""
    found = idle_sessions(conn, idle_before, PURGE_CHUNK)
    for session in found:
        delete_session(conn, session.user_id)
    if found:
        conn.execute(INSERT_ADMIN_LOG, (utc_now(), "purge", None, None, len(found)))
    return found


def checkpoint_job(conn: sqlite3.Connection) -> bool:
    """Copy the write-ahead log into the database and empty it, so that deleted content
    (already zeroed in the database by secure_delete) leaves no copy in the -wal file.
    False when a reader kept part of the log busy."""
    busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    if busy:
        logger.warning("the write-ahead log could not be emptied: a reader was busy")
    return not busy


def create_private(path: Path) -> None:
    """Create `path` empty and readable by its owner only, if it does not exist.

    SQLite gives the -wal and -shm files the database file's permissions.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY)
    except FileExistsError:
        return
    os.close(fd)


def backup_to(source: Path, dest: Path, busy_timeout_ms: int) -> None:
    """A consistent copy of `source` at `dest` (SQLite's online backup), checked.

    Written next to `dest` first and renamed, so `dest` is never a half-written file.
    Raises OSError or sqlite3.Error; ValueError when the copy fails its integrity check.
    """
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    create_private(partial)
    src = sqlite3.connect(source, isolation_level=None)
    try:
        src.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        copy = sqlite3.connect(partial, isolation_level=None)
        try:
            # One step: a single read transaction, so writers never restart the copy.
            src.backup(copy, pages=-1)
            result = copy.execute("PRAGMA integrity_check").fetchall()
            # The copy stands alone: no -wal beside it to carry along.
            copy.execute("PRAGMA journal_mode = DELETE")
        finally:
            copy.close()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    if result != [("ok",)]:
        partial.unlink(missing_ok=True)
        raise ValueError(f"the copy failed its integrity check: {result[:3]}")
    os.replace(partial, dest)
