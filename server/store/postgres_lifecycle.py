"""PostgreSQL side of the data's life: invitations, erasure, retention, backup, history cap.

Mirrors sqlite_lifecycle.py statement by statement. Each function runs on a connection
the store hands it, inside a transaction the store opened, so a retry repeats it whole.

A backup is a SQLite file at the same schema version, written from one snapshot
(REPEATABLE READ): it can be checked with SQLite's integrity check, opened by the
embedded store as it is, or copied back with `copy-db`.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg

from ..clock import utc_now
from ..strict_json import dumps as to_json
from .base import Erased, PurgedSession, SessionsExist
from .records import HistoryEntry, SessionRecord
from .sqlite_lifecycle import create_private
from .sqlite_schema import migrate as migrate_sqlite

PURGE_CHUNK = 1000
BACKUP_BATCH = 5000

INSERT_ADMIN_LOG = (
    "INSERT INTO admin_log (at, action, survey_id, user_id, rows) VALUES ($1, $2, $3, $4, $5)"
)
# Columns copied by a backup, in the order both schemas share; booleans become 0/1.
BACKUP_TABLES: dict[str, tuple[str, ...]] = {
    "sessions": (
        "user_id", "survey_id", "survey_version", "current_step", "answers", "step_history",
        "is_audio_mode", "session_data", "last_seq", "token_hash", "owner", "created_at",
        "updated_at", "completed_at", "language", "invited",
    ),
    "session_history": ("id", "user_id", "action", "step", "answer", "seq", "timestamp"),
    "admin_log": ("id", "at", "action", "survey_id", "user_id", "rows"),
}


async def invite(
    conn: asyncpg.Connection, survey_id: str, invitations: Sequence[tuple[SessionRecord, str]]
) -> None:
    """All or nothing: SessionsExist (and nothing written) when any id is taken."""
    ids = [record.user_id for record, _ in invitations]
    taken = await conn.fetch(
        "SELECT user_id FROM sessions WHERE user_id = ANY($1::text[]) ORDER BY user_id", ids)
    if taken:
        raise SessionsExist([row[0] for row in taken])
    now = utc_now()
    await conn.copy_records_to_table(
        "sessions",
        columns=("user_id", "survey_id", "survey_version", "current_step", "token_hash",
                 "created_at", "updated_at", "language", "invited"),
        records=[(r.user_id, r.survey_id, r.survey_version, r.current_step, token_hash, now,
                  now, r.language, True) for r, token_hash in invitations],
    )
    await conn.executemany(
        "INSERT INTO session_history (user_id, action, step, answer, timestamp) "
        "VALUES ($1, 'invited', $2, $3, $4)",
        [(r.user_id, r.current_step, to_json({"survey_version": r.survey_version}), now)
         for r, _ in invitations],
    )
    await conn.execute(INSERT_ADMIN_LOG, now, "invite", survey_id, None, len(invitations))


async def _delete_session(conn: asyncpg.Connection, user_id: str) -> int:
    history = await conn.execute("DELETE FROM session_history WHERE user_id = $1", user_id)
    sessions = await conn.execute("DELETE FROM sessions WHERE user_id = $1", user_id)
    return int(history.split()[-1]) + int(sessions.split()[-1])


async def erase(conn: asyncpg.Connection, user_ids: Sequence[str]) -> list[Erased]:
    """Erase each existing session; one admin_log row per erasure keeps the erased id."""
    erased: list[Erased] = []
    now = utc_now()
    for user_id in dict.fromkeys(user_ids):
        survey_id = await conn.fetchval(
            "SELECT survey_id FROM sessions WHERE user_id = $1 FOR UPDATE", user_id)
        if survey_id is None:
            continue
        rows = await _delete_session(conn, user_id)
        await conn.execute(INSERT_ADMIN_LOG, now, "erase", survey_id, user_id, rows)
        erased.append(Erased(user_id, survey_id))
    return erased


async def vacuum(conn: asyncpg.Connection) -> None:
    """Let PostgreSQL reclaim the erased rows' space now rather than at autovacuum's pace.

    This frees the dead rows for reuse; it does not overwrite their bytes at once (see the
    README: erasure on PostgreSQL).
    """
    await conn.execute("VACUUM session_history, sessions")


async def idle_sessions(
    conn: asyncpg.Connection, idle_before: str, limit: int | None
) -> list[PurgedSession]:
    rows = await conn.fetch(
        'SELECT user_id, survey_id, updated_at FROM sessions WHERE updated_at COLLATE "C" < $1 '
        'ORDER BY updated_at COLLATE "C", user_id COLLATE "C" LIMIT $2', idle_before, limit)
    return [PurgedSession(*row) for row in rows]


async def purge_chunk(conn: asyncpg.Connection, idle_before: str) -> list[PurgedSession]:
    """Delete up to PURGE_CHUNK sessions idle since before `idle_before`; those deleted."""
    found = await idle_sessions(conn, idle_before, PURGE_CHUNK)
    ids = [session.user_id for session in found]
    if ids:
        await conn.execute("DELETE FROM session_history WHERE user_id = ANY($1::text[])", ids)
        await conn.execute("DELETE FROM sessions WHERE user_id = ANY($1::text[])", ids)
        await conn.execute(INSERT_ADMIN_LOG, utc_now(), "purge", None, None, len(ids))
    return found


async def capped(
    conn: asyncpg.Connection, user_id: str, history: Sequence[HistoryEntry], cap: int
) -> Sequence[HistoryEntry]:
    """Past `cap` history rows, rejected messages are no longer recorded; one
    `history_capped` row says so. Only asked when a rejected row is about to be written."""
    if not any(row.action == "rejected" for row in history):
        return history
    count = await conn.fetchval(
        "SELECT count(*) FROM session_history WHERE user_id = $1", user_id)
    if count < cap:
        return history
    kept = [row for row in history if row.action != "rejected"]
    noted = await conn.fetchval(
        "SELECT 1 FROM session_history WHERE user_id = $1 AND action = 'history_capped'",
        user_id)
    if noted is None:
        kept.append(HistoryEntry("history_capped", None, {"max_history_rows": cap}))
    return kept


async def backup(conn: asyncpg.Connection, dest: Path) -> None:
    """Every table, from one snapshot, into a new SQLite file; checked, then renamed to `dest`.

    Raises OSError, asyncpg errors, or ValueError when the copy fails its checks.
    """
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    create_private(partial)
    copy = sqlite3.connect(partial, isolation_level=None)
    try:
        migrate_sqlite(copy)
        copy.execute("BEGIN")
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            counts = {}
            for table, columns in BACKUP_TABLES.items():
                counts[table] = await conn.fetchval(f"SELECT count(*) FROM {table}")
                marks = ", ".join("?" * len(columns))
                insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
                cursor = conn.cursor(f"SELECT {', '.join(columns)} FROM {table} ORDER BY 1",
                                     prefetch=BACKUP_BATCH)
                batch: list[tuple[Any, ...]] = []
                async for row in cursor:
                    batch.append(tuple(int(v) if isinstance(v, bool) else v for v in row))
                    if len(batch) >= BACKUP_BATCH:
                        copy.executemany(insert, batch)
                        batch.clear()
                copy.executemany(insert, batch)
        copy.execute("COMMIT")
        copied = {t: copy.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in BACKUP_TABLES}
        result = copy.execute("PRAGMA integrity_check").fetchall()
    except BaseException:
        copy.close()
        partial.unlink(missing_ok=True)
        raise
    copy.close()
    if result != [("ok",)] or copied != counts:
        partial.unlink(missing_ok=True)
        raise ValueError(f"the copy failed its checks: {result[:3]}, {copied} != {counts}")
    os.replace(partial, dest)
