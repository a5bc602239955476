"""HTTP errors of the JSON API: exception classes carrying their status, mapped in one place."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

NO_STORE = {"Cache-Control": "no-store"}


class ApiError(Exception):
    """An HTTP error with its status and the `error` word of the JSON body."""

    def __init__(
        self, status: int, code: str, headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.headers = headers or {}
        # More of the JSON body: `message` naming a bad parameter, the ids that exist, ...
        self.extra = extra


def bad_request(message: str) -> ApiError:
    return ApiError(400, "bad_request", message=message)


def unauthorized() -> ApiError:
    return ApiError(401, "unauthorized", {"WWW-Authenticate": 'Bearer realm="survey"'})


async def api_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse(
        {"success": False, "error": exc.code, **exc.extra}, exc.status,
        headers={**NO_STORE, **exc.headers},
    )


def bearer(request: Request) -> str | None:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    credentials = credentials.strip()
    return credentials if scheme.lower() == "bearer" and credentials else None
