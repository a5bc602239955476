"""The rows of `sessions` and `session_history` on PostgreSQL: the statements of the
writes (each one statement: the fencing conditions and the history rows with the update)
and reading a row back."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import asyncpg

from ..strict_json import dumps as to_json
from .base import StoredSession
from .records import HistoryEntry, SessionRecord

SESSION_COLUMNS = (
    "user_id, survey_id, survey_version, current_step, answers, step_history, is_audio_mode, "
    "session_data, last_seq, token_hash, owner, created_at, updated_at, completed_at, language, "
    "invited"
)
# History rows as parallel arrays: one statement inserts any number of them, in order.
HISTORY_ROWS = (
    "unnest($A::text[], $B::text[], $C::json[], $D::bigint[]) WITH ORDINALITY "
    "AS h(action, step, answer, seq, n)"
)


def history_sql(source: str, first: int) -> str:
    params = {"A": first, "B": first + 1, "C": first + 2, "D": first + 3}
    rows = HISTORY_ROWS
    for name, number in params.items():
        rows = rows.replace(f"${name}", f"${number}")
    return (
        "INSERT INTO session_history (user_id, action, step, answer, seq, timestamp) "
        f"SELECT s.user_id, h.action, h.step, h.answer, h.seq, s.updated_at "
        f"FROM {source} AS s, {rows} ORDER BY h.n"
    )


CREATE_SESSION = f"""
    WITH created AS (
        INSERT INTO sessions ({SESSION_COLUMNS})
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14, $15)
        ON CONFLICT (user_id) DO NOTHING
        RETURNING {SESSION_COLUMNS}),
    history AS ({history_sql("created", 16)})
    SELECT {SESSION_COLUMNS} FROM created
"""
SAVE_SESSION = f"""
    WITH saved AS (
        UPDATE sessions SET
            survey_version = $4, current_step = $5, answers = $6, step_history = $7,
            is_audio_mode = $8, session_data = $9, last_seq = $10, updated_at = $11,
            language = $12,
            completed_at = CASE WHEN $13 THEN COALESCE(completed_at, $11) ELSE NULL END,
            owner = CASE WHEN $14 THEN NULL ELSE owner END
        WHERE user_id = $1 AND owner = $2 AND last_seq = $3
        RETURNING user_id, updated_at),
    history AS ({history_sql("saved", 15)})
    SELECT count(*) FROM saved
"""
LOCK_SESSION = f"SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = $1 FOR UPDATE"
CLAIM_SESSION = f"""
    WITH claimed AS (
        UPDATE sessions SET owner = $2, updated_at = $3, invited = FALSE WHERE user_id = $1
        RETURNING {SESSION_COLUMNS}),
    history AS ({history_sql("claimed", 4)})
    SELECT {SESSION_COLUMNS} FROM claimed
"""


def history_arrays(rows: Sequence[HistoryEntry]) -> tuple[list[Any], ...]:
    return (
        [r.action for r in rows],
        [r.step for r in rows],
        [None if r.answer is None else to_json(r.answer) for r in rows],
        [r.seq for r in rows],
    )


async def end_transaction(conn: asyncpg.Connection) -> None:
    """What a connection needs on its way back to the pool: no transaction left open.

    asyncpg's default reset also runs RESET ALL, UNLISTEN *, CLOSE ALL and releases
    advisory locks: a round trip per write for state these connections never set (the
    migration lock and LISTEN use connections of their own).
    """
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


def to_stored(row: asyncpg.Record) -> StoredSession:
    record = SessionRecord(
        user_id=row[0], survey_id=row[1], survey_version=row[2], current_step=row[3],
        answers=json.loads(row[4]), step_history=json.loads(row[5]), is_audio_mode=row[6],
        session_data=json.loads(row[7]), last_seq=row[8], completed=row[13] is not None,
        created_at=row[11], updated_at=row[12], completed_at=row[13], language=row[14],
        invited=row[15],
    )
    return StoredSession(record=record, token_hash=row[9], owner=row[10])
