"""The JSON API: a session for those allowed to see it, metrics, and the health check."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from .api_errors import NO_STORE, ApiError, bearer, unauthorized
from .operators.audit import audit
from .operators.auth import is_admin, require_admin
from .protocol import USER_ID_PATTERN
from .store import SessionStore, StorageUnavailable, StoredSession
from .tokens import token_matches


def admin_only(request: Request) -> None:
    """Like every admin route: 404 with admin access off, 401 without the key (or sign-in)."""
    require_admin(request)


def session_body(stored: StoredSession) -> dict[str, Any]:
    record = stored.record
    return {
        "user_id": record.user_id,
        "survey_id": record.survey_id,
        "current_step": record.current_step,
        "answers": record.answers,
        "step_history": record.step_history,
        "is_audio_mode": record.is_audio_mode,
        "completed": record.completed,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


async def readable_session(request: Request) -> tuple[StoredSession, bool]:
    """The session of the path's user_id, for its own token or an admin; and whether admin.

    401 alike for a wrong token and an unknown user: the answer reveals nothing.
    """
    store: SessionStore = request.app.state.store
    admin = is_admin(request)
    presented = bearer(request)
    if presented is None and not admin:
        raise unauthorized()
    user_id = request.path_params["user_id"]
    try:
        stored = await store.load(user_id) if USER_ID_PATTERN.fullmatch(user_id) else None
    except StorageUnavailable:
        raise ApiError(503, "storage_unavailable") from None
    if admin:
        if stored is None:
            raise ApiError(404, "not_found")
    elif stored is None or not token_matches(presented, stored.token_hash):
        raise unauthorized()
    return stored, admin


async def get_session(request: Request) -> JSONResponse:
    stored, admin = await readable_session(request)
    if admin:
        await audit(request.app.state.store, "read_session", stored.record.survey_id,
                    stored.record.user_id, 1)
    return JSONResponse({"success": True, "session": session_body(stored)}, headers=NO_STORE)


async def healthz(request: Request) -> JSONResponse:
    store: SessionStore = request.app.state.store
    if await store.healthy():
        return JSONResponse({"status": "ok"}, headers=NO_STORE)
    return JSONResponse({"status": "unavailable"}, 503, headers=NO_STORE)


async def readyz(request: Request) -> JSONResponse:
    """Readiness, for a load balancer: 503 while answers could not be saved, or the server
    is shutting down. /healthz stays liveness (the process answers and can read)."""
    store: SessionStore = request.app.state.store
    if request.app.state.gateway.draining:
        return JSONResponse({"status": "shutting_down"}, 503, headers=NO_STORE)
    trouble = store.write_trouble()
    if trouble is None and not await store.healthy():
        trouble = "the database cannot be read"
    if trouble is not None:
        return JSONResponse({"status": "unavailable", "reason": trouble}, 503, headers=NO_STORE)
    return JSONResponse({"status": "ready"}, headers=NO_STORE)


async def get_metrics(request: Request) -> JSONResponse:
    """Counters for operators and the benchmark; admin only, like every cross-session view."""
    admin_only(request)
    store: SessionStore = request.app.state.store
    stats = store.stats
    # A copy first: the writer thread may add a batch size while this runs.
    batch_sizes = dict(stats.batch_sizes)
    return JSONResponse(
        {
            **request.app.state.gateway.counts(),
            "writes": {
                "commits": stats.commits,
                "writes": stats.writes,
                "retries": stats.retries,
                "batch_sizes": {str(size): batch_sizes[size] for size in sorted(batch_sizes)},
            },
        },
        headers=NO_STORE,
    )
