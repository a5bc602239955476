"""The rows of `sessions` and `session_history` on SQLite: the write jobs the writer runs
(each inside its transaction, under its own savepoint) and reading a row back."""

from __future__ import annotations

import hmac
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from ..clock import utc_now
from ..strict_json import dumps as to_json
from .base import Fenced, SessionExists, SessionNotFound, StoredSession, TokenMismatch
from .records import HistoryEntry, SessionRecord
from .sqlite_lifecycle import INSERT_ADMIN_LOG

SESSION_COLUMNS = (
    "user_id, survey_id, survey_version, current_step, answers, step_history, is_audio_mode, "
    "session_data, last_seq, token_hash, owner, created_at, updated_at, completed_at, language, "
    "invited"
)
INSERT_HISTORY = (
    "INSERT INTO session_history (user_id, action, step, answer, seq, timestamp) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
# A save writes the columns that may have changed, and only those: an UPDATE that names
# an indexed column rewrites that column's index entry even when its value is unchanged
# (completed_at, in sessions_by_survey): 3.5 us more per write on a 100,000-row table, a
# tenth of an answer's write. updated_at changes on every save.
_ALWAYS = ("current_step = ?, answers = ?, step_history = ?, session_data = ?, last_seq = ?, "
           "updated_at = ?")
_FENCE = " WHERE user_id = ? AND owner = ? AND last_seq = ?"
# With no earlier record to compare with, everything, and completed_at as the record says.
UPDATE_SESSION = (
    f"UPDATE sessions SET {_ALWAYS}, survey_version = ?, is_audio_mode = ?, language = ?, "
    "completed_at = CASE WHEN ? THEN COALESCE(completed_at, ?) ELSE NULL END, "
    "owner = CASE WHEN ? THEN NULL ELSE owner END" + _FENCE
)
# Scalar columns compared with the earlier record; the JSON ones are always written, as
# comparing them strictly (true is not 1) would cost about what writing them does.
_SCALARS = ("survey_version", "is_audio_mode", "language")
_statements: dict[tuple[str, ...], str] = {}


def _update_statement(extra: tuple[str, ...]) -> str:
    statement = _statements.get(extra)
    if statement is None:
        sets = "".join(f", {column}" if " = " in column else f", {column} = ?"
                       for column in extra)
        statement = _statements[extra] = f"UPDATE sessions SET {_ALWAYS}{sets}{_FENCE}"
    return statement


def _update(
    record: SessionRecord, previous: SessionRecord | None, owner: str, expected_last_seq: int,
    release: bool, now: str,
) -> tuple[str, tuple[Any, ...]]:
    """The UPDATE of a save and its parameters: what differs from `previous`, if given."""
    always = (record.current_step, to_json(record.answers), to_json(record.step_history),
              to_json(record.session_data), record.last_seq, now)
    fence = (record.user_id, owner, expected_last_seq)
    if previous is None:
        return UPDATE_SESSION, (*always, record.survey_version, int(record.is_audio_mode),
                                record.language, record.completed, now, release, *fence)
    columns: list[str] = []
    values: list[Any] = []
    for column in _SCALARS:
        value = getattr(record, column)
        if value != getattr(previous, column):
            columns.append(column)
            values.append(value)
    if record.completed != previous.completed:
        # Only on the save that completes a session (or a migration that reopens one).
        columns.append("completed_at")
        values.append(now if record.completed else None)
    if release:
        columns.append("owner = NULL")
    return _update_statement(tuple(columns)), (*always, *values, *fence)


def _history_params(user_id: str, rows: Sequence[HistoryEntry], now: str) -> list[tuple[Any, ...]]:
    return [
        (user_id, r.action, r.step, None if r.answer is None else to_json(r.answer), r.seq, now)
        for r in rows
    ]


def insert_history(
    conn: sqlite3.Connection, user_id: str, rows: Sequence[HistoryEntry], now: str
) -> None:
    if len(rows) == 1:  # nearly every save: one row, without executemany's overhead
        row = rows[0]
        answer = None if row.answer is None else to_json(row.answer)
        conn.execute(INSERT_HISTORY, (user_id, row.action, row.step, answer, row.seq, now))
    elif rows:
        conn.executemany(INSERT_HISTORY, _history_params(user_id, rows, now))


def row_to_stored(row: Sequence[Any]) -> StoredSession:
    record = SessionRecord(
        user_id=row[0],
        survey_id=row[1],
        survey_version=row[2],
        current_step=row[3],
        answers=json.loads(row[4]),
        step_history=json.loads(row[5]),
        is_audio_mode=bool(row[6]),
        session_data=json.loads(row[7]),
        last_seq=row[8],
        completed=row[13] is not None,
        created_at=row[11],
        updated_at=row[12],
        completed_at=row[13],
        language=row[14],
        invited=bool(row[15]),
    )
    return StoredSession(record=record, token_hash=row[9], owner=row[10])


# Write jobs: each runs inside the writer's transaction, under its own savepoint.


def create_job(
    record: SessionRecord, token_hash: str, owner: str, history: Sequence[HistoryEntry],
    conn: sqlite3.Connection,
) -> SessionRecord:
    now = utc_now()
    try:
        conn.execute(
            f"INSERT INTO sessions ({SESSION_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                record.user_id, record.survey_id, record.survey_version, record.current_step,
                to_json(record.answers), to_json(record.step_history), int(record.is_audio_mode),
                to_json(record.session_data), record.last_seq, token_hash, owner, now, now,
                now if record.completed else None, record.language, int(record.invited),
            ),
        )
    except sqlite3.IntegrityError:
        raise SessionExists(record.user_id) from None
    insert_history(conn, record.user_id, history, now)
    # The row as written, without reading it back.
    return replace(record, created_at=now, updated_at=now,
                   completed_at=now if record.completed else None)


def claim_job(user_id: str, token_hash: str, owner: str, conn: sqlite3.Connection) -> SessionRecord:
    stored = select_session(conn, user_id)
    # Constant time, and checked before anything changes: a failed attempt disturbs nobody.
    if not hmac.compare_digest(stored.token_hash, token_hash):
        raise TokenMismatch(user_id)
    now = utc_now()
    conn.execute(
        "UPDATE sessions SET owner = ?, updated_at = ?, invited = 0 WHERE user_id = ?",
        (owner, now, user_id),
    )
    step = stored.record.current_step
    rows = [HistoryEntry("resumed", step)]
    if stored.owner is not None:
        rows.insert(0, HistoryEntry("superseded", step))
    insert_history(conn, user_id, rows, now)
    return select_session(conn, user_id).record


def _capped(
    conn: sqlite3.Connection, user_id: str, history: Sequence[HistoryEntry], cap: int
) -> Sequence[HistoryEntry]:
    """Past `cap` history rows, rejected messages are no longer recorded; one
    `history_capped` row says so. Only asked when a rejected row is about to be written."""
    if not any(row.action == "rejected" for row in history):
        return history
    (count,) = conn.execute(
        "SELECT count(*) FROM session_history WHERE user_id = ?", (user_id,)).fetchone()
    if count < cap:
        return history
    kept = [row for row in history if row.action != "rejected"]
    noted = conn.execute(
        "SELECT 1 FROM session_history WHERE user_id = ? AND action = 'history_capped'",
        (user_id,)).fetchone()
    if noted is None:
        kept.append(HistoryEntry("history_capped", None, {"max_history_rows": cap}))
    return kept


def save_job(
    record: SessionRecord, owner: str, expected_last_seq: int, history: Sequence[HistoryEntry],
    release: bool, max_history: int, previous: SessionRecord | None, conn: sqlite3.Connection,
) -> None:
    now = utc_now()
    statement, params = _update(record, previous, owner, expected_last_seq, release, now)
    if conn.execute(statement, params).rowcount == 0:
        gone = conn.execute(
            "SELECT 1 FROM sessions WHERE user_id = ?", (record.user_id,)).fetchone() is None
        # Erased (or purged) while this connection held it: not a takeover.
        raise SessionNotFound(record.user_id) if gone else Fenced(record.user_id)
    history = _capped(conn, record.user_id, history, max_history)
    insert_history(conn, record.user_id, history, now)


def log_admin_job(
    action: str, survey_id: str | None, user_id: str | None, rows: int | None,
    conn: sqlite3.Connection,
) -> None:
    conn.execute(INSERT_ADMIN_LOG, (utc_now(), action, survey_id, user_id, rows))


def select_session(conn: sqlite3.Connection, user_id: str) -> StoredSession:
    row = conn.execute(
        f"SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = ?", (user_id,)
    ).fetchone()
    if row is None:
        raise SessionNotFound(user_id)
    return row_to_stored(row)
