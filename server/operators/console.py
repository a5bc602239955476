"""The operators' console under /admin: server-rendered pages over the operators' API.

Every page is 404 while admin access is off, and asks for the admin key (the sign-in form)
until the browser holds a valid sign-in cookie. The survey page's live parts (counts,
funnel, answers, sessions) are also served alone, for the page's script to swap in when
the live stream says the figures changed.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..api_errors import ApiError
from ..gateway.addresses import address_group
from ..pages import PAGE_HEADERS, templates
from ..protocol import USER_ID_PATTERN
from ..store import SessionStore, StatusCounts, StorageUnavailable
from ..survey import Survey, SurveyCatalog, progress
from ..tokens import secret_matches
from .api import expired_before, sessions_page, survey_figures
from .audit import audit
from .auth import is_admin, same_origin
from .charts import answer_text, funnel, questions
from .live import LiveFeed
from .sign_in import SignInLimits, read_form, safe_next, signed_in, signed_out
from .timeline import timeline

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
# The survey page's headers, but a referrer policy under which browsers send the real
# `Origin` with the console's POSTs (under `no-referrer` it would be `null`).
CONSOLE_HEADERS = {**PAGE_HEADERS, "Referrer-Policy": "same-origin"}
STATUS_NAMES = {"all": "All", "in_progress": "In progress", "completed": "Completed",
                "invited": "Invited", "expired": "Expired"}


def _when(value: str | None) -> str:
    """A stored UTC timestamp as people read it: 2026-11-23 05:12:14."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


templates.env.filters["when"] = _when
templates.env.filters["duration"] = _duration


def _page(request: Request, name: str, context: dict[str, Any], status: int = 200,
          headers: dict[str, str] | None = None) -> Response:
    return templates.TemplateResponse(
        request, f"admin/{name}", {"status_names": STATUS_NAMES, **context},
        status_code=status, headers={**CONSOLE_HEADERS, **(headers or {})},
    )


def _not_found(request: Request, what: str) -> Response:
    return _page(request, "not_found.html", {"what": what}, 404)


def _sign_in_form(request: Request, status: int, message: str | None = None,
                  destination: str | None = None, headers: dict[str, str] | None = None
                  ) -> Response:
    return _page(request, "sign_in.html",
                 {"message": message, "next": safe_next(destination or request.url.path)},
                 status, headers)


def _guard(request: Request) -> Response | None:
    """None when the console may be shown; else the 404 (admin off) or the sign-in form."""
    if request.app.state.settings.admin_key is None:
        return _not_found(request, "page")
    if not is_admin(request):
        return _sign_in_form(request, 200 if request.url.path == "/admin" else 401)
    return None


def _error(request: Request, exc: ApiError) -> Response:
    messages = {"bad_request": exc.extra.get("message", "That address is not right."),
                "storage_unavailable": "The database is not answering. Try again in a moment."}
    return _page(request, "error.html", {"message": messages.get(exc.code, exc.code)},
                 exc.status)


async def surveys(request: Request) -> Response:
    if (refused := _guard(request)) is not None:
        return refused
    catalog: SurveyCatalog = request.app.state.catalog
    store: SessionStore = request.app.state.store
    try:
        counts = await store.results.survey_counts(expired_before(request.app.state.settings))
    except StorageUnavailable:
        return _error(request, ApiError(503, "storage_unavailable"))
    rows = [(catalog.surveys[sid], counts.get(sid, StatusCounts())) for sid in sorted(catalog.surveys)]
    return _page(request, "surveys.html", {"rows": rows})


async def _live_context(request: Request, survey: Survey, audited: bool) -> dict[str, Any]:
    """The live parts' data: figures (the live feed's latest when it has them) and a page."""
    live: LiveFeed = request.app.state.live
    figures = live.latest(survey.id) or await survey_figures(
        request.app.state.settings, request.app.state.store, survey)
    status = request.query_params.get("status", "all")
    after = request.query_params.get("after") or None
    sessions, next_cursor = await sessions_page(request, survey, status, PAGE_SIZE, after,
                                                audited=audited)
    return {
        "survey": survey, "figures": figures, "funnel": funnel(figures),
        "questions": questions(survey, figures), "sessions": sessions, "next": next_cursor,
        "status": status, "after": after,
    }


def _survey_of(request: Request) -> Survey | None:
    catalog: SurveyCatalog = request.app.state.catalog
    return catalog.surveys.get(request.path_params["survey_id"])


async def _survey_view(request: Request, template: str, audited: bool) -> Response:
    if (refused := _guard(request)) is not None:
        return refused
    survey = _survey_of(request)
    if survey is None:
        return _not_found(request, "survey")
    try:
        context = await _live_context(request, survey, audited)
    except (ApiError, StorageUnavailable) as exc:
        return _error(request, exc if isinstance(exc, ApiError)
                      else ApiError(503, "storage_unavailable"))
    return _page(request, template, context)


async def survey_page(request: Request) -> Response:
    return await _survey_view(request, "survey.html", audited=True)


async def survey_parts(request: Request) -> Response:
    """The survey page's live parts alone, for its script. Not audited again: the page
    they refresh was, and a refresh up to twice a second would flood admin_log."""
    return await _survey_view(request, "live_parts.html", audited=False)


def _status_of(request: Request, completed: bool, invited: bool, updated_at: str) -> str:
    # In the order of OPERATORS.md and of the lists' SQL (store/sqlite_results.py).
    if completed:
        return "completed"
    cut = expired_before(request.app.state.settings)
    if cut is not None and updated_at < cut:
        return "expired"
    return "invited" if invited else "in_progress"


async def session_page(request: Request) -> Response:
    if (refused := _guard(request)) is not None:
        return refused
    user_id = request.path_params["user_id"]
    store: SessionStore = request.app.state.store
    try:
        stored = await store.load(user_id) if USER_ID_PATTERN.fullmatch(user_id) else None
        if stored is None:
            return _not_found(request, "respondent")
        rows = await store.history(user_id)
    except StorageUnavailable:
        return _error(request, ApiError(503, "storage_unavailable"))
    record = stored.record
    try:
        await audit(store, "read_history", record.survey_id, user_id, len(rows))
    except ApiError as exc:
        return _error(request, exc)
    catalog: SurveyCatalog = request.app.state.catalog
    survey = catalog.surveys.get(record.survey_id)
    path = [*record.step_history, record.current_step]
    answers = [(step_id, survey.steps[step_id].prompt if survey and step_id in survey.steps
                else step_id,
                answer_text(survey.steps.get(step_id) if survey else None, record.answers[step_id]))
               for step_id in path if step_id in record.answers
               and not (survey and survey.steps.get(step_id) and survey.steps[step_id].type == "info")]
    status = _status_of(request, record.completed, record.invited, record.updated_at)
    progress_percent = None
    if record.completed:
        progress_percent = 100
    elif survey is not None and record.current_step in survey.steps:
        progress_percent = progress(survey, record.step_history, record.current_step,
                                    record.answers)["percent"]
    return _page(request, "session.html", {
        "record": record, "survey": survey, "status": status, "percent": progress_percent,
        "answers": answers, "events": timeline(survey, rows),
    })


async def sign_in(request: Request) -> Response:
    admin_key: str | None = request.app.state.settings.admin_key
    if admin_key is None:
        return _not_found(request, "page")
    if not same_origin(request):
        return _page(request, "error.html",
                     {"message": "This form must be sent from the console's own page."}, 403)
    limits: SignInLimits = request.app.state.sign_in_limits
    # Counted per address group (an IPv6 /64 is one client), as the WebSocket limits are.
    address = address_group(request.client.host if request.client else "unknown")
    form = await read_form(request) or {}
    destination = safe_next(form.get("next"))
    if not limits.allow(address):
        logger.warning("console sign-in attempts from %s are over the limit", address)
        return _sign_in_form(request, 429, "Too many attempts. Wait a minute, then try again.",
                             destination, {"Retry-After": str(limits.retry_after())})
    if not secret_matches(form.get("key", ""), admin_key):
        return _sign_in_form(request, 401, "That key is not right.", destination)
    return signed_in(request, admin_key, destination)


async def sign_out(request: Request) -> Response:
    if request.app.state.settings.admin_key is None:
        return _not_found(request, "page")
    if not same_origin(request):
        return _page(request, "error.html",
                     {"message": "This form must be sent from the console's own page."}, 403)
    return signed_out(request)


def console_routes() -> list[Route]:
    return [
        Route("/admin", surveys),
        Route("/admin/sign-in", sign_in, methods=["POST"]),
        Route("/admin/sign-out", sign_out, methods=["POST"]),
        Route("/admin/surveys/{survey_id}", survey_page),
        Route("/admin/surveys/{survey_id}/parts", survey_parts),
        Route("/admin/sessions/{user_id}", session_page),
    ]

