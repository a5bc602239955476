"""The operators' read side on SQLite: every figure is one SQL statement over `sessions`.

Results use connections of their own, never the respondents' reader: a long export or a
figure over 100,000 sessions must not make a resuming respondent wait. Each export reads
one snapshot (a read transaction in WAL mode) a batch at a time, so memory stays flat.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import aiosqlite

from .base import StorageUnavailable
from .results import (
    STATUSES,
    NumberSummary,
    PageKey,
    RawFigures,
    ResultsReader,
    SessionRow,
    Status,
    StatusCounts,
    StepKinds,
    counts_by_survey,
)

EXPORT_BATCH = 500
MAX_CONCURRENT_SNAPSHOTS = 4

# The status of OPERATORS.md; :cut is the expiry moment (NULL: nothing expires).
STATUS_SQL = """CASE
    WHEN completed_at IS NOT NULL THEN 'completed'
    WHEN :cut IS NOT NULL AND updated_at < :cut THEN 'expired'
    WHEN invited = 1 THEN 'invited'
    ELSE 'in_progress' END"""

ROW_COLUMNS = (
    f"user_id, {STATUS_SQL}, survey_version, current_step, answers, step_history, "
    "is_audio_mode, language, created_at, updated_at, completed_at"
)

MEDIAN_DURATION = """
    WITH d AS (
        SELECT (julianday(completed_at) - julianday(created_at)) * 86400.0 AS x
        FROM sessions WHERE survey_id = :survey AND completed_at IS NOT NULL),
    r AS (SELECT x, ROW_NUMBER() OVER (ORDER BY x) AS rn, COUNT(*) OVER () AS n FROM d)
    SELECT AVG(x) FROM r WHERE rn IN ((n + 1) / 2, (n + 2) / 2)
"""
# An invitation never opened has reached nothing.
REACHED_IN_HISTORY = """
    SELECT j.value, COUNT(*) FROM sessions AS s, json_each(s.step_history) AS j
    WHERE s.survey_id = :survey AND s.invited = 0 GROUP BY j.value
"""
AT_CURRENT_STEP = """
    SELECT current_step, COUNT(*), SUM(completed_at IS NULL) FROM sessions
    WHERE survey_id = :survey AND invited = 0 GROUP BY current_step
"""
# One pass over every stored answer gives `answered` for every step, and for the counted
# and number steps how often each value occurs: counts, and the number summaries below.
ANSWER_VALUES = """
    SELECT j.key, j.type, CASE WHEN j.key IN ({steps}) THEN j.atom END AS atom, COUNT(*)
    FROM sessions AS s, json_each(s.answers) AS j
    WHERE s.survey_id = :survey AND j.type != 'null'
    GROUP BY j.key, j.type, atom
"""
MULTI_COUNTS = """
    SELECT j.key, k.value, COUNT(*)
    FROM sessions AS s, json_each(s.answers) AS j, json_each(j.value) AS k
    WHERE s.survey_id = :survey AND j.key IN ({steps}) AND j.type = 'array'
    GROUP BY j.key, k.value
"""
def _marks(names: Sequence[str], prefix: str, params: dict[str, Any]) -> str:
    """Named placeholders for `names`, added to `params`."""
    keys = []
    for i, name in enumerate(names):
        params[f"{prefix}{i}"] = name
        keys.append(f":{prefix}{i}")
    return ", ".join(keys) or "NULL"


def summarize(histogram: dict[float, int]) -> NumberSummary:
    """n, mean, median, min and max of the values behind a histogram (value -> occurrences)."""
    values = sorted(histogram)
    n = sum(histogram.values())
    middle: list[float] = []  # the values at positions (n - 1) // 2 and n // 2 of the sorted answers
    seen = 0
    for value in values:
        seen += histogram[value]
        while len(middle) < 2 and seen > ((n - 1) // 2 if not middle else n // 2):
            middle.append(value)
    mean = sum(value * count for value, count in histogram.items()) / n
    return NumberSummary(n, mean, (middle[0] + middle[1]) / 2, values[0], values[-1])


def _session_row(row: Sequence[Any]) -> SessionRow:
    return SessionRow(
        user_id=row[0], status=row[1], survey_version=row[2], current_step=row[3],
        answers=json.loads(row[4]), step_history=json.loads(row[5]),
        is_audio_mode=bool(row[6]), language=row[7], created_at=row[8], updated_at=row[9],
        completed_at=row[10],
    )


def _json_text(kind: str, atom: Any) -> str:
    """A stored value as the figures key it: "Car" is Car, true is "true", 4 is "4"."""
    if kind in ("true", "false"):
        return kind
    if kind == "real" and float(atom).is_integer():
        return str(int(atom))
    return str(atom)


def _selection(
    survey_id: str, statuses: Sequence[Status], after: PageKey | None, cut: str | None
) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {"survey": survey_id, "cut": cut}
    where = "survey_id = :survey"
    if after is not None:
        where += " AND (created_at, user_id) > (:after_created, :after_user)"
        params["after_created"], params["after_user"] = after
    if set(statuses) != set(STATUSES):
        where += f" AND {STATUS_SQL} IN ({_marks(statuses, 'status', params)})"
    return where, params


class SQLiteResults(ResultsReader):
    def __init__(self, path: Path, busy_timeout_ms: int) -> None:
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        # Exports and figures at once; more wait their turn (each holds a connection).
        self._snapshots = asyncio.Semaphore(MAX_CONCURRENT_SNAPSHOTS)

    async def _connect(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        await conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        await conn.execute("PRAGMA query_only = ON")
        return conn

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def _fetch(self, sql: str, params: dict[str, Any]) -> list[sqlite3.Row]:
        try:
            async with self._lock:  # opened on first use, by one caller only
                if self._conn is None:
                    self._conn = await self._connect()
            async with self._conn.execute(sql, params) as cursor:
                return list(await cursor.fetchall())
        except sqlite3.Error as exc:
            raise StorageUnavailable(str(exc)) from exc

    async def survey_counts(self, expired_before: str | None) -> dict[str, StatusCounts]:
        rows = await self._fetch(
            f"SELECT survey_id, {STATUS_SQL} AS status, COUNT(*) FROM sessions "
            "GROUP BY survey_id, status", {"cut": expired_before},
        )
        return counts_by_survey(rows)

    async def list_sessions(
        self, survey_id: str, statuses: Sequence[Status], limit: int, after: PageKey | None,
        expired_before: str | None,
    ) -> list[SessionRow]:
        where, params = _selection(survey_id, statuses, after, expired_before)
        params["limit"] = limit
        rows = await self._fetch(
            f"SELECT {ROW_COLUMNS} FROM sessions WHERE {where} "
            "ORDER BY created_at, user_id LIMIT :limit", params,
        )
        return [_session_row(row) for row in rows]

    @contextlib.asynccontextmanager
    async def _snapshot(self) -> AsyncIterator[aiosqlite.Connection]:
        """A connection of its own in one read transaction: every read sees the same data."""
        async with self._snapshots:
            try:
                conn = await self._connect()
            except sqlite3.Error as exc:
                raise StorageUnavailable(str(exc)) from exc
            try:
                await conn.execute("BEGIN")
                yield conn
            except sqlite3.Error as exc:
                raise StorageUnavailable(str(exc)) from exc
            finally:
                await conn.close()  # ends the read transaction too

    async def export_rows(
        self, survey_id: str, statuses: Sequence[Status], expired_before: str | None
    ) -> AsyncIterator[SessionRow]:
        where, params = _selection(survey_id, statuses, None, expired_before)
        async with self._snapshot() as conn:
            cursor = await conn.execute(
                f"SELECT {ROW_COLUMNS} FROM sessions WHERE {where} ORDER BY created_at, user_id",
                params,
            )
            while batch := await cursor.fetchmany(EXPORT_BATCH):
                for row in batch:
                    yield _session_row(row)
            await cursor.close()

    async def figures(
        self, survey_id: str, kinds: StepKinds, expired_before: str | None
    ) -> RawFigures:
        async with self._snapshot() as conn:
            return await _figures(conn, survey_id, kinds, expired_before)


async def _all(conn: aiosqlite.Connection, sql: str, params: dict[str, Any]) -> list[Any]:
    async with conn.execute(sql, params) as cursor:
        return list(await cursor.fetchall())


async def _figures(
    conn: aiosqlite.Connection, survey_id: str, kinds: StepKinds, expired_before: str | None
) -> RawFigures:
    base = {"survey": survey_id}
    counts = await _all(
        conn,
        f"SELECT {STATUS_SQL} AS status, COUNT(*) FROM sessions WHERE survey_id = :survey "
        "GROUP BY status", {**base, "cut": expired_before},
    )
    median = await _all(conn, MEDIAN_DURATION, base)
    reached = {step: n for step, n in await _all(conn, REACHED_IN_HISTORY, base)}
    stopped_here: dict[str, int] = {}
    for step, n, not_completed in await _all(conn, AT_CURRENT_STEP, base):
        reached[step] = reached.get(step, 0) + n
        stopped_here[step] = not_completed
    counted = {*kinds.scalar_counted, *kinds.numbers}
    params: dict[str, Any] = dict(base)
    sql = ANSWER_VALUES.format(steps=_marks(sorted(counted), "step", params))
    answered: dict[str, int] = {}
    value_counts: dict[str, dict[str, int]] = {}
    histograms: dict[str, dict[float, int]] = {}
    for step, kind, atom, n in await _all(conn, sql, params):
        answered[step] = answered.get(step, 0) + n
        if step in kinds.numbers and kind in ("integer", "real"):
            histogram = histograms.setdefault(step, {})
            histogram[atom] = histogram.get(atom, 0) + n  # 3 and 3.0 are one value
        elif step in counted:
            key = _json_text(kind, atom)
            by_value = value_counts.setdefault(step, {})
            by_value[key] = by_value.get(key, 0) + n
    if kinds.multi_counted:
        params = dict(base)
        sql = MULTI_COUNTS.format(steps=_marks(kinds.multi_counted, "step", params))
        for step, value, n in await _all(conn, sql, params):
            value_counts.setdefault(step, {})[str(value)] = n
    numbers = {step: summarize(histogram) for step, histogram in histograms.items()}
    return RawFigures(
        counts=StatusCounts(**{status: n for status, n in counts}),
        median_duration_seconds=median[0][0] if median else None,
        reached=reached, answered=answered, stopped_here=stopped_here,
        value_counts=value_counts, numbers=numbers,
    )
