"""The survey file's fields about who may take part and when: access, window, on_complete."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from .errors import SurveyError
from .model import Access

ACCESS_FIELDS = {"access", "opens_at", "closes_at", "on_complete"}
ACCESS_RULES: tuple[Access, ...] = ("open", "link", "invited")
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
MAX_REDIRECT_LENGTH = 2000


def parse_access_fields(document: dict[str, Any]) -> dict[str, Any]:
    """Survey keyword arguments for the access fields present in `document`."""
    access = document.get("access", "open")
    if access not in ACCESS_RULES:
        raise SurveyError("access", "must be open, link or invited")
    opens_at = _moment(document, "opens_at")
    closes_at = _moment(document, "closes_at")
    if opens_at is not None and closes_at is not None and closes_at <= opens_at:
        raise SurveyError("closes_at", "must be later than opens_at")
    return {
        "access": access,
        "opens_at": opens_at,
        "closes_at": closes_at,
        "on_complete_redirect": _redirect(document.get("on_complete")),
    }


def _moment(document: dict[str, Any], key: str) -> str | None:
    """ISO 8601 with an offset, stored as UTC text like clock.utc_now (so strings compare)."""
    raw = document.get(key)
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise SurveyError(key, "must be a date and time like 2026-03-01T09:00:00+01:00")
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise SurveyError(key, f"'{raw}' is not a date and time like 2026-03-01T09:00:00+01:00") \
            from None
    if moment.utcoffset() is None:
        raise SurveyError(key, "needs an offset (like +01:00 or Z), so the moment is not ambiguous")
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def _redirect(raw: Any) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise SurveyError("on_complete", 'must be an object like {"redirect": "https://..."}')
    for key in raw:
        if key != "redirect":
            raise SurveyError(f"on_complete.{key}", "unknown field")
    url = raw.get("redirect")
    if not isinstance(url, str) or not url or len(url) > MAX_REDIRECT_LENGTH:
        raise SurveyError("on_complete.redirect",
                          f"must be a URL of at most {MAX_REDIRECT_LENGTH} characters")
    parts = urlsplit(fill_redirect(url, "u", "s"))
    local = parts.scheme == "http" and parts.hostname in LOCAL_HOSTS
    if not (parts.scheme == "https" or local) or not parts.hostname:
        raise SurveyError("on_complete.redirect", "must be an https URL (http only to localhost)")
    return url


def fill_redirect(template: str, user_id: str, survey_id: str) -> str:
    """The redirect with {user_id} and {survey_id} filled in, URL-encoded."""
    return (template.replace("{user_id}", quote(user_id, safe=""))
            .replace("{survey_id}", quote(survey_id, safe="")))
