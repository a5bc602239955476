"""From a valid `hello` to a live session: create, or check the token and take over."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from ..protocol import CloseCode, ErrorCode
from ..session.lifecycle import carry_over, new_session
from ..session.messages import HandshakeError, Hello
from ..session.state import SessionState
from ..store import (
    HistoryEntry,
    SessionExists,
    SessionNotFound,
    SessionStore,
    TokenMismatch,
)
from ..survey import SurveyCatalog
from ..tokens import hash_token, new_token, new_user_id, token_matches
from .live import CloseSocket, LiveSession
from .registry import Registry

logger = logging.getLogger(__name__)

MAX_TOKEN_LENGTH = 256


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
) -> Established:
    """Raises HandshakeError for a refused hello, StorageUnavailable when the store is down."""
    owner = uuid.uuid4().hex
    if hello.user_id is not None:
        stored = await store.load(hello.user_id)
        if stored is not None:
            return await _resume(hello, stored.record.survey_id, stored.token_hash, catalog,
                                 store, registry, close_socket, owner)
    survey = catalog.get(hello.survey)
    if survey is None:
        raise _unknown_survey(hello.survey)
    user_id = hello.user_id or new_user_id()
    token = new_token()
    state = new_session(survey, user_id, client, hello.language)
    async with registry.user_lock(user_id):
        try:
            await store.create(
                state.to_record(), hash_token(token), owner,
                [HistoryEntry("created", state.current_step, {"survey_version": survey.version})],
            )
        except SessionExists:
            # Another connection created this id a moment ago: it is now a resume.
            created = None
        else:
            created = LiveSession(survey, state, owner, store, close_socket)
            registry.add(created)
    if created is None:
        stored = await store.load(user_id)
        if stored is None:
            raise _auth_failed()
        return await _resume(hello, stored.record.survey_id, stored.token_hash, catalog,
                             store, registry, close_socket, owner)
    logger.debug("session %s created on survey %s", user_id, survey.id)
    return Established(created, resumed=False, token=token)


async def _resume(
    hello: Hello,
    survey_id: str,
    token_hash: str,
    catalog: SurveyCatalog,
    store: SessionStore,
    registry: Registry,
    close_socket: CloseSocket,
    owner: str,
) -> Established:
    assert hello.user_id is not None
    token = hello.token or ""
    # Checked before anything else happens, so a wrong token never disturbs the owner.
    if len(token) > MAX_TOKEN_LENGTH or not token_matches(token, token_hash):
        raise _auth_failed()
    survey = catalog.surveys.get(survey_id)
    if survey is None:
        raise _unknown_survey(survey_id)
    async with registry.user_lock(hello.user_id):
        previous = registry.get(hello.user_id)
        if previous is not None:
            await previous.supersede()
            registry.remove(previous)
        try:
            record = await store.claim(hello.user_id, hash_token(token), owner)
        except (TokenMismatch, SessionNotFound):
            raise _auth_failed() from None
        state, migrated = carry_over(survey, SessionState.from_record(record))
        if migrated is not None:
            await store.save(state.to_record(), owner, state.last_seq, [migrated])
            logger.info("session %s moved to version %d of %s", state.user_id, survey.version,
                        survey.id)
        live = LiveSession(survey, state, owner, store, close_socket)
        registry.add(live)
    return Established(live, resumed=True, token=None)
