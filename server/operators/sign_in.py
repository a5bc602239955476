"""The console's sign-in and sign-out: a form with the admin key, then a signed cookie.

Both are POSTs from the console's own pages, so both require an `Origin` header naming this
server (a cross-site form cannot sign anyone in or out). Attempts are limited per address,
so the key cannot be guessed at speed through the form.
"""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..api_errors import NO_STORE
from .auth import COOKIE_LIFETIME, COOKIE_NAME, same_origin, signed_in_cookie

logger = logging.getLogger(__name__)

MAX_FORM_BYTES = 4096
# Where a sign-in may send the browser back to: a console path on this server, nothing else.
# (Segments as user ids are spelled, but never `.` or `..`.)
CONSOLE_PATH = re.compile(r"/admin(/(?!\.+(?:/|$))[A-Za-z0-9_.:~-]+)*")


@dataclass
class SignInLimits:
    """A token bucket per client address: `burst` attempts at once, then `per_minute`.

    At most `max_addresses` are remembered; the least recently seen are forgotten first.
    """

    burst: int = 10
    per_minute: float = 10.0
    max_addresses: int = 10_000
    clock: Callable[[], float] = time.monotonic
    _buckets: OrderedDict[str, tuple[float, float]] = field(default_factory=OrderedDict)

    def allow(self, address: str) -> bool:
        now = self.clock()
        tokens, since = self._buckets.pop(address, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - since) * self.per_minute / 60)
        allowed = tokens >= 1
        self._buckets[address] = (tokens - 1 if allowed else tokens, now)
        while len(self._buckets) > self.max_addresses:
            self._buckets.popitem(last=False)
        return allowed

    def retry_after(self) -> int:
        return max(1, round(60 / self.per_minute))


def secure_cookie(request: Request) -> bool:
    """Secure when served over https, as the request or the configured public origin says."""
    public_origin: str | None = request.app.state.settings.public_origin
    return request.url.scheme == "https" or bool(public_origin
                                                 and public_origin.startswith("https:"))


async def read_form(request: Request) -> dict[str, str] | None:
    """A small urlencoded form (first value of each field), or None when it is not one."""
    if request.headers.get("content-type", "").split(";")[0].strip() != (
            "application/x-www-form-urlencoded"):
        return None
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_FORM_BYTES:
            return None
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        return None
    return {name: values[0] for name, values in fields.items()}


def safe_next(value: str | None) -> str:
    return value if value and CONSOLE_PATH.fullmatch(value) else "/admin"


def signed_in(request: Request, admin_key: str, destination: str) -> Response:
    """Back to the console, with the sign-in cookie."""
    response = RedirectResponse(destination, status_code=303, headers=NO_STORE)
    response.set_cookie(
        COOKIE_NAME, signed_in_cookie(admin_key), max_age=COOKIE_LIFETIME, path="/",
        secure=secure_cookie(request), httponly=True, samesite="strict",
    )
    logger.info("console sign-in from %s", request.client.host if request.client else "?")
    return response


def signed_out(request: Request) -> Response:
    response = RedirectResponse("/admin", status_code=303, headers=NO_STORE)
    response.delete_cookie(COOKIE_NAME, path="/", secure=secure_cookie(request),
                           httponly=True, samesite="strict")
    return response
