"""The HTML pages: the survey page for `/` and `/s/{survey_id}`."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from .survey import SurveyCatalog

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = PROJECT_ROOT / "static"

# No inline script or style anywhere: the page's code comes from /static only.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; media-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


def _page(request: Request, survey_id: str | None) -> Response:
    catalog: SurveyCatalog = request.app.state.catalog
    survey = catalog.get(survey_id)
    if survey is None:
        return templates.TemplateResponse(
            request, "not_found.html", {"survey_id": survey_id}, status_code=404,
            headers=PAGE_HEADERS,
        )
    return templates.TemplateResponse(
        request, "survey.html", {"survey": survey, "ws_path": "/ws"}, headers=PAGE_HEADERS
    )


async def index(request: Request) -> Response:
    return _page(request, None)


async def survey_page(request: Request) -> Response:
    return _page(request, request.path_params["survey_id"])
