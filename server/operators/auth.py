"""Who may use the operators' routes: the admin key as a Bearer token, or the console's cookie."""

from __future__ import annotations

import time

from starlette.requests import Request

from ..api_errors import ApiError, bearer, unauthorized
from ..tokens import secret_matches
from .signing import sign, unsign

COOKIE_NAME = "survey_admin"
COOKIE_LIFETIME = 12 * 3600
COOKIE_PURPOSE = "console-sign-in"


def admin_key_of(request: Request) -> str:
    """The admin key; every admin route is 404 while admin access is off."""
    key: str | None = request.app.state.settings.admin_key
    if key is None:
        raise ApiError(404, "not_found")
    return key


def signed_in_cookie(admin_key: str, now: float | None = None) -> str:
    return sign(admin_key, COOKIE_PURPOSE, {"exp": int((now or time.time()) + COOKIE_LIFETIME)})


def cookie_valid(request: Request, admin_key: str) -> bool:
    value = request.cookies.get(COOKIE_NAME)
    if not value:
        return False
    claims = unsign(admin_key, COOKIE_PURPOSE, value)
    expires = claims.get("exp") if isinstance(claims, dict) else None
    return isinstance(expires, int) and expires > time.time()


def is_admin(request: Request) -> bool:
    key: str | None = request.app.state.settings.admin_key
    if key is None:
        return False
    presented = bearer(request)
    if presented is not None:
        return secret_matches(presented, key)
    return cookie_valid(request, key)


def require_admin(request: Request) -> None:
    """404 with admin access off; 401 without the key or a valid console sign-in."""
    admin_key_of(request)
    if not is_admin(request):
        raise unauthorized()
