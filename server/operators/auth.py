"""Who may use the operators' routes: the admin key as a Bearer token, or the console's cookie."""

from __future__ import annotations

import time

from starlette.requests import Request

from ..api_errors import ApiError, bearer, unauthorized
from ..gateway.origin import DEFAULT_PORTS, normal_origin
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


def same_origin(request: Request) -> bool:
    """The request's `Origin` is this server's own; a missing one is not.

    With a public origin configured it must be that one, whatever the `Host` says (a
    DNS-rebinding page sends a Host of its choosing); else the scheme, host and port the
    request came to.
    """
    origin = request.headers.get("origin")
    theirs = normal_origin(origin) if origin else None
    if theirs is None:
        return False
    public_origin: str | None = request.app.state.settings.public_origin
    if public_origin:
        return theirs == normal_origin(public_origin)
    own = request.url
    if own.hostname is None:
        return False
    return theirs == (own.scheme, own.hostname.lower(), own.port or DEFAULT_PORTS.get(own.scheme))


SAFE_METHODS = ("GET", "HEAD")


def require_admin(request: Request) -> None:
    """404 with admin access off; 401 without the key or a valid console sign-in.

    A change made with the console's cookie (not a Bearer key) must come from this
    server's own pages: SameSite=Strict keeps other sites out, but not a sibling site
    under the same domain, whose forms and simple requests would carry the cookie.
    """
    admin_key_of(request)
    if not is_admin(request):
        raise unauthorized()
    if (request.method not in SAFE_METHODS and bearer(request) is None
            and not same_origin(request)):
        raise ApiError(403, "forbidden", message="a change needs this server's own Origin")
