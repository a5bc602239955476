"""Who may take part: signed links, invitation links, and the checks a hello must pass.

A link signature is base64url without padding of HMAC-SHA256(link secret,
SURVEY_ID + "\\n" + USER_ID), as OPERATORS.md fixes it, so other tools can make links too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote, urlencode

from .clock import utc_now
from .survey import Survey, SurveyCatalog

MAX_SIG_LENGTH = 128


class AccessConfigError(Exception):
    """A survey needs a setting that is missing (a link survey without a link secret)."""


def link_signature(secret: str, survey_id: str, user_id: str) -> str:
    mac = hmac.new(secret.encode("utf-8", "surrogatepass"),
                   f"{survey_id}\n{user_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def signature_valid(secret: str | None, survey_id: str, user_id: str, sig: str | None) -> bool:
    """Constant-time check; False without a secret or a signature."""
    if not secret or not sig or len(sig) > MAX_SIG_LENGTH:
        return False
    expected = link_signature(secret, survey_id, user_id)
    return hmac.compare_digest(expected.encode(), sig.encode("utf-8", "surrogatepass"))


def signed_link(base_url: str, secret: str, survey_id: str, user_id: str) -> str:
    query = urlencode({"user_id": user_id, "sig": link_signature(secret, survey_id, user_id)})
    return f"{base_url.rstrip('/')}/s/{quote(survey_id, safe='')}?{query}"


def invitation_link(base_url: str, survey_id: str, user_id: str, token: str) -> str:
    # The token rides in the fragment, which browsers never send to a server.
    fragment = urlencode({"u": user_id, "t": token})
    return f"{base_url.rstrip('/')}/s/{quote(survey_id, safe='')}#{fragment}"


def check_link_secret(catalog: SurveyCatalog, secret: str | None) -> None:
    """Start-up check: every survey with access: link needs SURVEY_LINK_SECRET."""
    needing = [s.id for s in catalog.surveys.values() if s.access == "link"]
    if needing and not secret:
        raise AccessConfigError(
            f"survey(s) {', '.join(needing)} use access: link, but SURVEY_LINK_SECRET is not "
            "set: set it to a long random secret to sign their links"
        )


def closed_message(survey: Survey, now: str | None = None) -> str | None:
    """What a respondent reads outside the survey's window at `now` (stored UTC text;
    None: the time now, read only when the survey has a window)."""
    if survey.opens_at is None and survey.closes_at is None:
        return None  # asked on every message: most surveys have no window
    if now is None:
        now = utc_now()
    if survey.opens_at is not None and now < survey.opens_at:
        return "This survey is not open yet."
    if survey.closes_at is not None and now >= survey.closes_at:
        return "This survey is closed. Thank you for your interest."
    return None


ERASED_MESSAGE = "These answers were deleted at the survey team's request."
