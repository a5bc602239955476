"""The operators' write routes: invitations and erasure (OPERATORS.md: The API)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..access import invitation_link
from ..api_errors import NO_STORE, ApiError, bad_request
from ..protocol import USER_ID_PATTERN
from ..session.lifecycle import new_session
from ..store import SessionsExist, SessionStore, StorageUnavailable
from ..survey import Survey, SurveyCatalog
from ..tokens import hash_token, new_token, new_user_id
from .auth import require_admin

MAX_INVITATIONS = 10_000
MAX_BODY_BYTES = 2 * 1024 * 1024  # 10,000 ids of 128 characters, quoted, fit with room


@dataclass(frozen=True, slots=True)
class Invitation:
    user_id: str
    token: str
    link: str

    def as_dict(self) -> dict[str, str]:
        return {"user_id": self.user_id, "token": self.token, "link": self.link}


def invitation_ids(body: Any) -> list[str]:
    """The ids to invite from `{"count": N}` or `{"user_ids": [...]}`; ValueError says why."""
    if not isinstance(body, dict) or len(body) != 1 or not {"count", "user_ids"} & set(body):
        raise ValueError('the body must be {"count": N} or {"user_ids": [...]}')
    if "count" in body:
        count = body["count"]
        if isinstance(count, bool) or not isinstance(count, int) \
                or not 1 <= count <= MAX_INVITATIONS:
            raise ValueError(f"count must be a whole number from 1 to {MAX_INVITATIONS}")
        return [new_user_id() for _ in range(count)]
    ids = body["user_ids"]
    if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_INVITATIONS:
        raise ValueError(f"user_ids must be a list of 1 to {MAX_INVITATIONS} ids")
    for user_id in ids:
        if not isinstance(user_id, str) or not USER_ID_PATTERN.fullmatch(user_id):
            raise ValueError("user_ids must match ^[A-Za-z0-9_.:-]{1,128}$")
    if len(set(ids)) != len(ids):
        raise ValueError("user_ids must not repeat an id")
    return list(ids)


async def invite(
    store: SessionStore, survey: Survey, user_ids: list[str], base_url: str
) -> list[Invitation]:
    """Create the invited sessions, all or none; raises SessionsExist."""
    tokens = [new_token() for _ in user_ids]
    records = [
        (replace(new_session(survey, user_id).to_record(), invited=True), hash_token(token))
        for user_id, token in zip(user_ids, tokens)
    ]
    await store.invite(survey.id, records)
    return [Invitation(user_id, token, invitation_link(base_url, survey.id, user_id, token))
            for user_id, token in zip(user_ids, tokens)]


async def _json_body(request: Request) -> Any:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise bad_request("the body must be JSON, sent as Content-Type: application/json")
    size = 0
    chunks: list[bytes] = []
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise bad_request(f"the body is larger than {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    try:
        return json.loads(b"".join(chunks))
    except ValueError:
        raise bad_request("the body is not JSON") from None


async def create_invitations(request: Request) -> JSONResponse:
    require_admin(request)
    catalog: SurveyCatalog = request.app.state.catalog
    survey = catalog.surveys.get(request.path_params["survey_id"])
    if survey is None:
        raise ApiError(404, "not_found")
    try:
        user_ids = invitation_ids(await _json_body(request))
    except ValueError as exc:
        raise bad_request(str(exc)) from None
    # The address respondents use, when it is configured; else the one this request came to.
    public_origin: str | None = request.app.state.settings.public_origin
    base_url = public_origin or f"{request.url.scheme}://{request.url.netloc}"
    try:
        invitations = await invite(request.app.state.store, survey, user_ids, base_url)
    except SessionsExist as exc:
        raise ApiError(409, "exists", user_ids=exc.user_ids) from None
    except StorageUnavailable:
        raise ApiError(503, "storage_unavailable") from None
    return JSONResponse({"invitations": [i.as_dict() for i in invitations]}, 201,
                        headers=NO_STORE)


async def erase_session(request: Request) -> Response:
    require_admin(request)
    user_id = request.path_params["user_id"]
    if not USER_ID_PATTERN.fullmatch(user_id):
        raise ApiError(404, "not_found")
    store: SessionStore = request.app.state.store
    try:
        erased = await store.erase([user_id])
    except StorageUnavailable:
        raise ApiError(503, "storage_unavailable") from None
    if not erased:
        raise ApiError(404, "not_found")
    await request.app.state.gateway.erased([user_id])
    return Response(status_code=204, headers=NO_STORE)
