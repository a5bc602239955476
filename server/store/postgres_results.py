"""The operators' read side on PostgreSQL: the same figures as sqlite_results.py, in SQL.

A small pool of its own, so a long export never takes a connection a respondent's write
is waiting for. Exports and figures each read one snapshot (REPEATABLE READ, read only);
an export streams through a server-side cursor a batch at a time. Text is compared in
byte order (COLLATE "C"), as SQLite does, so pages and cursors mean the same on both.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Sequence
from typing import Any

import asyncpg

from .base import StorageUnavailable
from .postgres_errors import is_transient
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
MAX_CONCURRENT_EXPORTS = 4
C = 'COLLATE "C"'

STATUS_SQL = f"""CASE
    WHEN completed_at IS NOT NULL THEN 'completed'
    WHEN :cut::text IS NOT NULL AND updated_at {C} < :cut::text THEN 'expired'
    WHEN invited THEN 'invited'
    ELSE 'in_progress' END"""

ROW_COLUMNS = (
    f"user_id, {STATUS_SQL}, survey_version, current_step, answers, step_history, "
    "is_audio_mode, language, created_at, updated_at, completed_at"
)
ORDER = f"ORDER BY created_at {C}, user_id {C}"

MEDIAN_DURATION = """
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY
        EXTRACT(EPOCH FROM completed_at::timestamptz - created_at::timestamptz)::float8)
    FROM sessions WHERE survey_id = :survey AND completed_at IS NOT NULL
"""
# An invitation never opened has reached nothing.
REACHED_IN_HISTORY = """
    SELECT j.value, COUNT(*) FROM sessions AS s, json_array_elements_text(s.step_history) AS j
    WHERE s.survey_id = :survey AND NOT s.invited GROUP BY j.value
"""
AT_CURRENT_STEP = """
    SELECT current_step, COUNT(*), COUNT(*) FILTER (WHERE completed_at IS NULL) FROM sessions
    WHERE survey_id = :survey AND NOT invited GROUP BY current_step
"""
ANSWERED = """
    SELECT j.key, COUNT(*) FROM sessions AS s, json_each(s.answers) AS j
    WHERE s.survey_id = :survey AND json_typeof(j.value) <> 'null' GROUP BY j.key
"""
# The value's JSON text is grouped here and read back in Python ("4" and "4.0" meet there).
SCALAR_COUNTS = """
    SELECT j.key, j.value::text, COUNT(*) FROM sessions AS s, json_each(s.answers) AS j
    WHERE s.survey_id = :survey AND j.key = ANY(:steps::text[])
      AND json_typeof(j.value) IN ('string', 'number', 'boolean')
    GROUP BY j.key, j.value::text
"""
MULTI_COUNTS = """
    SELECT j.key, k.value, COUNT(*)
    FROM sessions AS s, json_each(s.answers) AS j,
         json_array_elements_text(
             CASE WHEN json_typeof(j.value) = 'array' THEN j.value ELSE '[]'::json END) AS k
    WHERE s.survey_id = :survey AND j.key = ANY(:steps::text[])
    GROUP BY j.key, k.value
"""
NUMBER_SUMMARIES = """
    SELECT k, COUNT(*), AVG(x), percentile_cont(0.5) WITHIN GROUP (ORDER BY x), MIN(x), MAX(x)
    FROM (SELECT j.key AS k, j.value::text::float8 AS x
          FROM sessions AS s, json_each(s.answers) AS j
          WHERE s.survey_id = :survey AND j.key = ANY(:steps::text[])
            AND json_typeof(j.value) = 'number' OFFSET 0) AS v
    GROUP BY k
"""

_NAMED = re.compile(r"(?<![:\w]):([a-z_]\w*)")


def positional(sql: str, params: dict[str, Any]) -> tuple[str, list[Any]]:
    """`:name` placeholders to asyncpg's $1, $2, ... (a name used twice is one parameter)."""
    order: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in order:
            order.append(name)
        return f"${order.index(name) + 1}"

    text = _NAMED.sub(number, sql)
    return text, [params[name] for name in order]


def _session_row(row: Sequence[Any]) -> SessionRow:
    return SessionRow(
        user_id=row[0], status=row[1], survey_version=row[2], current_step=row[3],
        answers=json.loads(row[4]), step_history=json.loads(row[5]),
        is_audio_mode=row[6], language=row[7], created_at=row[8], updated_at=row[9],
        completed_at=row[10],
    )


def _json_key(text: str) -> str:
    """A stored value as the figures key it: "Car" is Car, true is "true", 4.0 is "4"."""
    value = json.loads(text)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _selection(
    survey_id: str, statuses: Sequence[Status], after: PageKey | None, cut: str | None
) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {"survey": survey_id, "cut": cut}
    where = "survey_id = :survey"
    if after is not None:
        where += f" AND (created_at {C}, user_id {C}) > (:after_created, :after_user)"
        params["after_created"], params["after_user"] = after
    if set(statuses) != set(STATUSES):
        where += f" AND {STATUS_SQL} = ANY(:statuses::text[])"
        params["statuses"] = list(statuses)
    return where, params


class PostgresResults(ResultsReader):
    def __init__(self, dsn: str, connect_timeout: float) -> None:
        self.dsn = dsn
        self.connect_timeout = connect_timeout
        self._pool: asyncpg.Pool | None = None
        self._lock = asyncio.Lock()
        self._exports = asyncio.Semaphore(MAX_CONCURRENT_EXPORTS)

    async def _opened(self) -> asyncpg.Pool:
        async with self._lock:  # opened on first use, by one caller only
            if self._pool is None:
                try:
                    self._pool = await asyncpg.create_pool(
                        self.dsn, min_size=0, max_size=MAX_CONCURRENT_EXPORTS + 1,
                        timeout=self.connect_timeout,
                    )
                except (OSError, TimeoutError, asyncpg.PostgresError,
                        asyncpg.InterfaceError) as exc:
                    raise _unavailable(exc) from exc
            return self._pool

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            try:
                await asyncio.wait_for(pool.close(), 10)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
                pool.terminate()

    async def _fetch(self, sql: str, params: dict[str, Any]) -> list[asyncpg.Record]:
        text, args = positional(sql, params)
        pool = await self._opened()
        try:
            return list(await pool.fetch(text, *args))
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise _unavailable(exc) from exc

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
            f"SELECT {ROW_COLUMNS} FROM sessions WHERE {where} {ORDER} LIMIT :limit", params
        )
        return [_session_row(row) for row in rows]

    async def export_rows(
        self, survey_id: str, statuses: Sequence[Status], expired_before: str | None
    ) -> AsyncIterator[SessionRow]:
        where, params = _selection(survey_id, statuses, None, expired_before)
        text, args = positional(f"SELECT {ROW_COLUMNS} FROM sessions WHERE {where} {ORDER}", params)
        async with self._exports:
            pool = await self._opened()
            try:
                # One snapshot for the whole export.
                async with pool.acquire() as conn, conn.transaction(
                    isolation="repeatable_read", readonly=True
                ):
                    async for row in conn.cursor(text, *args, prefetch=EXPORT_BATCH):
                        yield _session_row(row)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                raise _unavailable(exc) from exc

    async def figures(
        self, survey_id: str, kinds: StepKinds, expired_before: str | None
    ) -> RawFigures:
        pool = await self._opened()
        try:
            async with pool.acquire() as conn, conn.transaction(
                isolation="repeatable_read", readonly=True
            ):
                return await _figures(conn, survey_id, kinds, expired_before)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise _unavailable(exc) from exc


def _unavailable(exc: BaseException) -> StorageUnavailable:
    if isinstance(exc, StorageUnavailable):
        return exc
    if not is_transient(exc) and not isinstance(exc, asyncpg.PostgresError):
        raise exc
    return StorageUnavailable(f"{type(exc).__name__}: {exc}")


async def _all(conn: asyncpg.Connection, sql: str, params: dict[str, Any]) -> list[Any]:
    text, args = positional(sql, params)
    return list(await conn.fetch(text, *args))


async def _figures(
    conn: asyncpg.Connection, survey_id: str, kinds: StepKinds, expired_before: str | None
) -> RawFigures:
    base: dict[str, Any] = {"survey": survey_id}
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
    answered = {step: n for step, n in await _all(conn, ANSWERED, base)}

    value_counts: dict[str, dict[str, int]] = {}
    if kinds.scalar_counted:
        params = {**base, "steps": list(kinds.scalar_counted)}
        for step, text, n in await _all(conn, SCALAR_COUNTS, params):
            key = _json_key(text)
            value_counts.setdefault(step, {})[key] = value_counts.get(step, {}).get(key, 0) + n
    if kinds.multi_counted:
        params = {**base, "steps": list(kinds.multi_counted)}
        for step, value, n in await _all(conn, MULTI_COUNTS, params):
            value_counts.setdefault(step, {})[str(value)] = n
    numbers: dict[str, NumberSummary] = {}
    if kinds.numbers:
        params = {**base, "steps": list(kinds.numbers)}
        for step, n, mean, mid, low, high in await _all(conn, NUMBER_SUMMARIES, params):
            numbers[step] = NumberSummary(n, mean, mid, low, high)
    return RawFigures(
        counts=StatusCounts(**{status: n for status, n in counts}),
        median_duration_seconds=median[0][0] if median else None,
        reached=reached, answered=answered, stopped_here=stopped_here,
        value_counts=value_counts, numbers=numbers,
    )
