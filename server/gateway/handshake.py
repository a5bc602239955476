"""From a valid `hello` to a live session: create, or check the token and take over."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..access import closed_message, signature_valid
from ..protocol import CloseCode, ErrorCode
from ..session.lifecycle import carry_over, new_session
from ..session.messages import HandshakeError, Hello
from ..session.state import SessionState
from ..store import (
    HistoryEntry,
    SessionExists,
    SessionNotFound,
    SessionStore,
    StoredSession,
    TokenMismatch,
)
from ..survey import Survey, SurveyCatalog
from ..tokens import hash_token, new_owner, new_session_secrets, token_matches
from .live import CloseSocket, LiveSession
from .registry import Registry

logger = logging.getLogger(__name__)

MAX_TOKEN_LENGTH = 256
_NOBODY_ELSE = contextlib.nullcontext()


@dataclass(frozen=True)
class Established:
    live: LiveSession
    resumed: bool
    token: str | None  # only for a session created just now


def _auth_failed() -> HandshakeError:
    # The same words whatever went wrong, so a refusal reveals nothing about the session.
    return HandshakeError(
        ErrorCode.AUTH_FAILED, "This session cannot be opened with that token.",
        CloseCode.AUTH_FAILED,
    )


@dataclass(frozen=True)
class Admission:
    """The rules of OPERATORS.md (Access, Window, Session lifetime) a hello must pass."""

    link_secret: str | None = None
    # The moment before which an unfinished session counts as expired; None: never.
    expired_before: Callable[[], str | None] = lambda: None
    # Asked once per session about to be created: False past the per-address limit.
    may_create: Callable[[], bool] = lambda: True


def _not_invited() -> HandshakeError:
    # One refusal for every failed check on link and invited surveys: unknown id, bad
    # signature, wrong or missing token. Nothing tells which ids exist.
    return HandshakeError(
        ErrorCode.NOT_INVITED,
        "This survey is only open to people who were invited. Please use the link you were given.",
        CloseCode.NOT_INVITED,
    )


def survey_closed(survey: Survey) -> HandshakeError | None:
    """The refusal for a hello (or a message) outside the survey's window, else None."""
    text = closed_message(survey)
    if text is None:
        return None
    return HandshakeError(ErrorCode.SURVEY_CLOSED, text, CloseCode.GONE)


def _expired() -> HandshakeError:
    return HandshakeError(
        ErrorCode.SESSION_EXPIRED,
        "These answers were left unfinished for too long and can no longer be continued.",
        CloseCode.GONE,
    )


def _rate_limited() -> HandshakeError:
    return HandshakeError(
        ErrorCode.RATE_LIMITED, "Too many new sessions from your address; try again in a minute.",
        CloseCode.RATE_LIMITED,
    )


def _refusal(survey: Survey) -> HandshakeError:
    return _auth_failed() if survey.access == "open" else _not_invited()


def _unknown_survey(name: str | None) -> HandshakeError:
    text = f"There is no survey '{name}'." if name else "No survey was named and there is no default."
    return HandshakeError(ErrorCode.UNKNOWN_SURVEY, text, CloseCode.UNKNOWN_SURVEY)


async def establish(
    hello: Hello,
    catalog: SurveyCatalog,
    store: SessionStore,
    registry: Registry,
    close_socket: CloseSocket,
    client: dict[str, Any],
    admission: Admission = Admission(),
) -> Established:
    """Raises HandshakeError for a refused hello, StorageUnavailable when the store is down."""
    owner = new_owner()
    if hello.user_id is not None:
        stored = await store.load(hello.user_id)
        if stored is not None:
            return await _resume(hello, stored, catalog, store, registry, close_socket, owner,
                                 admission)
    survey = catalog.get(hello.survey)
    if survey is None:
        raise _unknown_survey(hello.survey)
    closed = survey_closed(survey)
    if closed is not None:
        raise closed
    if survey.access == "invited":
        raise _not_invited()  # invited ids exist already; this one does not
    if survey.access == "link" and not (
        hello.user_id is not None
        and signature_valid(admission.link_secret, survey.id, hello.user_id, hello.sig)
    ):
        raise _not_invited()
    if not admission.may_create():
        raise _rate_limited()
    new_id, token = new_session_secrets()
    user_id = hello.user_id or new_id
    state = new_session(survey, user_id, client, hello.language)
    record = state.to_record()
    # Handshakes for one id take turns; an id made just now is known to nobody else yet.
    lock = _NOBODY_ELSE if hello.user_id is None else registry.user_lock(user_id)
    async with lock:
        try:
            await store.create(
                record, hash_token(token), owner,
                [HistoryEntry("created", state.current_step, {"survey_version": survey.version})],
            )
        except SessionExists:
            # Another connection created this id a moment ago: it is now a resume.
            created = None
        else:
            created = LiveSession(survey, state, owner, store, close_socket, record)
            registry.add(created)
    if created is None:
        stored = await store.load(user_id)
        if stored is None:
            raise _refusal(survey)
        return await _resume(hello, stored, catalog, store, registry, close_socket, owner,
                             admission)
    logger.debug("session %s created on survey %s", user_id, survey.id)
    return Established(created, resumed=False, token=token)


async def _resume(
    hello: Hello,
    stored: StoredSession,
    catalog: SurveyCatalog,
    store: SessionStore,
    registry: Registry,
    close_socket: CloseSocket,
    owner: str,
    admission: Admission,
) -> Established:
    assert hello.user_id is not None
    survey_id = stored.record.survey_id
    survey = catalog.surveys.get(survey_id)
    if survey is None:  # removed from the surveys folder: refused, and not named
        raise _auth_failed()
    # The window first when the hello names this survey (or none): then it is the same
    # answer for every id. A hello naming another survey learns of it only once the token
    # or signature has shown the session is theirs.
    closed = survey_closed(survey)
    if closed is not None and hello.survey in (None, survey_id):
        raise closed
    token = hello.token or ""
    # A valid link signature opens its session like its token does (another device).
    signed = survey.access == "link" and signature_valid(
        admission.link_secret, survey_id, hello.user_id, hello.sig)
    # Checked before anything else happens, so a wrong token never disturbs the owner.
    token_ok = len(token) <= MAX_TOKEN_LENGTH and token_matches(token, stored.token_hash)
    if not (token_ok or signed):
        raise _refusal(survey)
    if closed is not None:
        raise closed
    cut = admission.expired_before()
    record = stored.record
    if cut is not None and not record.completed and record.updated_at < cut:
        raise _expired()
    async with registry.user_lock(hello.user_id):
        previous = registry.get(hello.user_id)
        if previous is not None:
            await previous.supersede()
            registry.remove(previous)
        try:
            # After a valid signature the stored hash stands in for the token: claim still
            # fails if the session changed hands (erased and created again) meanwhile.
            record = await store.claim(
                hello.user_id, stored.token_hash if signed else hash_token(token), owner)
        except (TokenMismatch, SessionNotFound):
            raise _refusal(survey) from None
        state, migrated = carry_over(survey, SessionState.from_record(record))
        if migrated is not None:
            record = state.to_record()
            await store.save(record, owner, state.last_seq, [migrated])
            logger.info("session %s moved to version %d of %s", state.user_id, survey.version,
                        survey.id)
        live = LiveSession(survey, state, owner, store, close_socket, record)
        registry.add(live)
    return Established(live, resumed=True, token=None)
