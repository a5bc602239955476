"""The operators' JSON API of OPERATORS.md: surveys, sessions, history, export, figures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from .. import strict_json
from ..api import readable_session
from ..api_errors import NO_STORE, ApiError, bad_request
from ..durations import timestamp_before
from ..settings import Settings
from ..store import (
    STATUSES,
    SessionRow,
    SessionStore,
    Status,
    StatusCounts,
    StorageUnavailable,
)
from ..survey import Survey, SurveyCatalog, progress
from .audit import audit
from .auth import admin_key_of, require_admin
from .export import FORMATS, codebook, csv_lines, jsonl_lines
from .figures import figures_body, step_kinds
from .live import MAX_SUBSCRIBERS, LiveFeed
from .signing import sign, unsign

MAX_PAGE = 1000
DEFAULT_PAGE = 100
CURSOR_PURPOSE = "sessions-page"
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}

# Audit writes of streamed exports finish after the response; kept so they are not collected.
_pending_audits: set[asyncio.Task[None]] = set()


def expired_before(settings: Settings) -> str | None:
    """Sessions idle since before this moment are expired (None: sessions never expire)."""
    return timestamp_before(settings.session_ttl) if settings.session_ttl else None


def _survey(request: Request) -> Survey:
    catalog: SurveyCatalog = request.app.state.catalog
    survey = catalog.surveys.get(request.path_params["survey_id"])
    if survey is None:
        raise ApiError(404, "not_found")
    return survey


def _store(request: Request) -> SessionStore:
    store: SessionStore = request.app.state.store
    return store


def parse_statuses(raw: str | None, allowed: tuple[str, ...], default: str) -> list[Status]:
    value = raw if raw is not None else default
    if value not in allowed:
        raise bad_request(f"status must be one of {', '.join(allowed)}")
    return list(STATUSES) if value == "all" else [value]  # type: ignore[list-item]


def parse_limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_PAGE
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PAGE:
        raise bad_request(f"limit must be a whole number from 1 to {MAX_PAGE}")
    return int(raw)


def parse_flag(params: Mapping[str, str], name: str) -> bool:
    raw = params.get(name, "0").lower()
    if raw not in ("0", "1", "true", "false", ""):
        raise bad_request(f"{name} must be 1 or 0")
    return raw in ("1", "true")


def page_cursor(admin_key: str, survey_id: str, status: str, last: SessionRow) -> str:
    return sign(admin_key, CURSOR_PURPOSE, [survey_id, status, last.created_at, last.user_id])


def read_cursor(admin_key: str, survey_id: str, status: str, raw: str) -> tuple[str, str]:
    """(created_at, user_id) to continue after; 400 for anything this server did not issue."""
    value = unsign(admin_key, CURSOR_PURPOSE, raw)
    if (not isinstance(value, list) or len(value) != 4 or value[:2] != [survey_id, status]
            or not all(isinstance(part, str) for part in value)):
        raise bad_request("after is not a cursor this server issued for this list")
    return value[2], value[3]


def percent(survey: Survey, row: SessionRow) -> int:
    if row.status == "completed":
        return 100
    if row.current_step not in survey.steps:  # a step removed since; fixed at its next resume
        return 0
    figures = progress(survey, row.step_history, row.current_step, row.answers)
    value: int = figures["percent"]
    return value


def session_summary(survey: Survey, row: SessionRow) -> dict[str, Any]:
    return {
        "user_id": row.user_id, "status": row.status, "current_step": row.current_step,
        "percent": percent(survey, row), "is_audio_mode": row.is_audio_mode,
        "language": row.language or survey.default_language, "created_at": row.created_at,
        "updated_at": row.updated_at, "completed_at": row.completed_at,
    }


def survey_listing(survey: Survey, counts: dict[str, int]) -> dict[str, Any]:
    return {
        "id": survey.id, "title": survey.title, "version": survey.version,
        "access": survey.access, "opens_at": survey.opens_at, "closes_at": survey.closes_at,
        "sessions": counts,
    }


def _unavailable() -> ApiError:
    return ApiError(503, "storage_unavailable")


async def list_surveys(request: Request) -> JSONResponse:
    require_admin(request)
    catalog: SurveyCatalog = request.app.state.catalog
    try:
        counts = await _store(request).results.survey_counts(
            expired_before(request.app.state.settings))
    except StorageUnavailable:
        raise _unavailable() from None
    surveys = [survey_listing(catalog.surveys[sid], counts.get(sid, StatusCounts()).as_dict())
               for sid in sorted(catalog.surveys)]
    return JSONResponse({"surveys": surveys}, headers=NO_STORE)


async def sessions_page(
    request: Request, survey: Survey, status: str, limit: int, after: str | None,
    audited: bool = True,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of a survey's sessions and the cursor of the next (shared with the console).

    `audited=False` for the console's live refresh of a page it opened (and audited) already.
    """
    admin_key = admin_key_of(request)
    statuses = parse_statuses(status, (*STATUSES, "all"), "all")
    start = read_cursor(admin_key, survey.id, status, after) if after else None
    store = _store(request)
    try:
        # One more than asked tells whether there is a next page.
        rows = await store.results.list_sessions(
            survey.id, statuses, limit + 1, start, expired_before(request.app.state.settings))
    except StorageUnavailable:
        raise _unavailable() from None
    page = rows[:limit]
    if audited:
        await audit(store, "list_sessions", survey.id, None, len(page))
    next_cursor = page_cursor(admin_key, survey.id, status, page[-1]) if len(rows) > limit else None
    return [session_summary(survey, row) for row in page], next_cursor


async def list_sessions(request: Request) -> JSONResponse:
    require_admin(request)
    survey = _survey(request)
    params = request.query_params
    status = params.get("status", "all")
    sessions, next_cursor = await sessions_page(
        request, survey, status, parse_limit(params.get("limit")), params.get("after"))
    return JSONResponse({"sessions": sessions, "next": next_cursor}, headers=NO_STORE)


async def session_history(request: Request) -> JSONResponse:
    stored, admin = await readable_session(request)
    store = _store(request)
    try:
        rows = await store.history(stored.record.user_id)
    except StorageUnavailable:
        raise _unavailable() from None
    if admin:
        await audit(store, "read_history", stored.record.survey_id, stored.record.user_id,
                              len(rows))
    history = [{"id": r.id, "action": r.action, "step": r.step, "answer": r.answer,
                "seq": r.seq, "timestamp": r.timestamp} for r in rows]
    return JSONResponse({"success": True, "history": history}, headers=NO_STORE)


async def get_codebook(request: Request) -> JSONResponse:
    require_admin(request)
    return JSONResponse(codebook(_survey(request)), headers=NO_STORE)


async def survey_figures(settings: Settings, store: SessionStore, survey: Survey) -> dict[str, Any]:
    """The body of GET /stats; also what the live stream pushes."""
    raw = await store.results.figures(survey.id, step_kinds(survey), expired_before(settings))
    return figures_body(survey, raw)


async def get_stats(request: Request) -> JSONResponse:
    require_admin(request)
    survey = _survey(request)
    try:
        body = await survey_figures(request.app.state.settings, _store(request), survey)
    except StorageUnavailable:
        raise _unavailable() from None
    return JSONResponse(body, headers=NO_STORE)


async def live_figures(request: Request) -> Response:
    """Server-sent events: `figures` now and within moments of every commit to the survey."""
    require_admin(request)
    survey = _survey(request)
    feed: LiveFeed = request.app.state.live
    if feed.subscribers >= MAX_SUBSCRIBERS:
        raise ApiError(503, "too_many_subscribers")

    async def events() -> AsyncIterator[str]:
        yield "retry: 2000\n\n"  # how long a browser waits before reconnecting
        async with feed.subscribe(survey.id) as updates:
            async for figures in updates:
                if figures is None:
                    yield ": keepalive\n\n"
                else:
                    yield f"event: figures\ndata: {strict_json.dumps(figures)}\n\n"

    return StreamingResponse(
        events(), media_type="text/event-stream",
        # No buffering in nginx and the like: each event must leave at once.
        headers={**NO_STORE, "X-Accel-Buffering": "no"},
    )


async def counted(rows: AsyncIterator[SessionRow], tally: list[int]) -> AsyncIterator[SessionRow]:
    async for row in rows:
        tally[0] += 1
        yield row


def export_stream(
    store: SessionStore, survey: Survey, statuses: list[Status], fmt: str, excel: bool,
    cut: str | None, tally: list[int],
) -> AsyncIterator[str]:
    """The export's text, streamed from the database (also what the `export` command writes).

    `tally[0]` counts the sessions written, for the audit log.
    """
    rows = counted(store.results.export_rows(survey.id, statuses, cut), tally)
    return csv_lines(rows, survey, excel) if fmt == "csv" else jsonl_lines(rows, survey)


async def _audited(
    lines: AsyncIterator[str], tally: list[int], store: SessionStore, survey_id: str, fmt: str
) -> AsyncIterator[bytes]:
    try:
        async for text in lines:
            yield text.encode()
    finally:
        # The response may be cancelled here (client gone): the audit row is written apart.
        task = asyncio.get_running_loop().create_task(
            store.log_admin(f"export_{fmt}", survey_id, None, tally[0]))
        _pending_audits.add(task)
        task.add_done_callback(_pending_audits.discard)


async def export(request: Request) -> Response:
    require_admin(request)
    survey = _survey(request)
    params = request.query_params
    fmt = params.get("format", "csv")
    if fmt not in FORMATS:
        raise bad_request("format must be csv or jsonl")
    status = params.get("status", "completed")
    statuses = parse_statuses(status, ("completed", "all"), "completed")
    excel = parse_flag(params, "excel")
    store = _store(request)
    tally = [0]
    lines = export_stream(store, survey, statuses, fmt, excel,
                          expired_before(request.app.state.settings), tally)
    filename = f"{survey.id}-{status}.{fmt}"
    return StreamingResponse(
        _audited(lines, tally, store, survey.id, fmt), media_type=MEDIA_TYPES[fmt],
        headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{filename}"'},
    )
