"""A session held by one live connection: the committed state and every write to it.

The state in memory is a cache of the last committed state. A message's new state
replaces it only after the store has committed it; if the commit fails, the old
state stays, so memory never runs ahead of the disk.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from ..access import ERASED_MESSAGE, closed_message
from ..protocol import CloseCode, ErrorCode, error
from ..session.machine import handle
from ..session.messages import Draft, SeqMessage
from ..session.state import SessionState
from ..store import (
    Fenced,
    HistoryEntry,
    SessionNotFound,
    SessionRecord,
    SessionStore,
    StorageUnavailable,
)
from ..survey import Survey
from ..wording import say

logger = logging.getLogger(__name__)

# Closes the socket with a code, after sending a last message when one is given.
CloseSocket = Callable[[int, dict[str, Any] | None], Awaitable[None]]
# How long a takeover waits for the old connection's write in flight.
SUPERSEDE_WAIT = 10.0


class Superseded(Exception):
    """Another connection owns the session now; this one must close with 4409."""


class SessionEnded(Exception):
    """The session can go no further: send `reply`, then close with 4410."""

    def __init__(self, reply: dict[str, Any]) -> None:
        super().__init__(reply["code"])
        self.reply = reply
        self.close_code = CloseCode.GONE


def erased_reply() -> dict[str, Any]:
    return error(ErrorCode.SESSION_ERASED, ERASED_MESSAGE)


class LiveSession:
    def __init__(
        self,
        survey: Survey,
        state: SessionState,
        owner: str,
        store: SessionStore,
        close_socket: CloseSocket,
        record: SessionRecord | None = None,
    ) -> None:
        self.survey = survey
        self.state = state
        # The state as the store last committed it for us (None: not known), so that a
        # save can leave out what did not change. A save's UPDATE matches only while the
        # row still has our owner and last_seq, so the row then holds exactly this record:
        # only a drafts save keeps last_seq, and drafts change no column a save leaves out.
        self.record = record
        self.owner = owner
        self.store = store
        self._close_socket = close_socket
        # One write at a time per session, so an autosave never overwrites a newer answer.
        self._lock = asyncio.Lock()
        self.dirty = False  # drafts changed since the last save
        self.closed = False  # released, superseded or shut down: no more writes

    @property
    def user_id(self) -> str:
        return self.state.user_id

    async def apply(self, message: SeqMessage | Draft) -> tuple[dict[str, Any], ...]:
        """Run one message through the state machine; commit before answering."""
        async with self._lock:
            if self.closed:
                raise Superseded(self.user_id)
            closed = closed_message(self.survey)
            if closed is not None:
                raise SessionEnded(error(ErrorCode.SURVEY_CLOSED, closed))
            transition = handle(self.survey, self.state, message)
            if transition.commit:
                record = transition.state.to_record()
                try:
                    await self.store.save(record, self.owner, self.state.last_seq,
                                          transition.history, previous=self.record)
                except StorageUnavailable:
                    logger.warning("storage unavailable; %s keeps its message", self.user_id)
                    return (
                        error(
                            ErrorCode.STORAGE_UNAVAILABLE,
                            say(self.state.language, "storage_unavailable"),
                            None,
                        ),
                    )
                except Fenced:
                    self.closed = True
                    raise Superseded(self.user_id) from None
                except SessionNotFound:
                    self.closed = True
                    raise SessionEnded(erased_reply()) from None
                self.dirty = False  # the whole state, drafts included, is on disk
                self.record = record
            elif transition.drafts_changed:
                self.dirty = True
            self.state = transition.state
            return transition.replies

    async def autosave(self) -> None:
        """Save unsent drafts, if any changed; notice a takeover by another process."""
        async with self._lock:
            if self.closed or not self.dirty:
                return
            try:
                await self._save_drafts(release=False)
            except StorageUnavailable:
                logger.warning("autosave of %s failed; will try again", self.user_id)
                return
            except Fenced:
                self.closed = True
            except SessionNotFound:
                self.closed = True
                await self._close(CloseCode.GONE, erased_reply())
                return
        if self.closed:
            await self._close(CloseCode.SUPERSEDED)

    async def release(self, close_code: int | None = None) -> None:
        """Save everything and give up ownership: the connection is going away."""
        async with self._lock:
            if self.closed:
                return
            self.closed = True
            try:
                await self._save_drafts(release=True)
            except (Fenced, SessionNotFound, StorageUnavailable) as exc:
                logger.warning("could not save %s on disconnect: %r", self.user_id, exc)
        if close_code is not None:
            await self._close(close_code)

    async def supersede(self) -> None:
        """A newer connection takes over: save what is unsaved, then close with 4409."""
        try:
            async with asyncio.timeout(SUPERSEDE_WAIT):
                await self._lock.acquire()
        except TimeoutError:
            logger.warning("takeover of %s did not wait for a stuck write", self.user_id)
        else:
            try:
                if not self.closed and self.dirty:
                    await self._save_drafts(release=False)
            except (Fenced, SessionNotFound, StorageUnavailable):
                pass
            finally:
                self._lock.release()
        self.closed = True
        await self._close(CloseCode.SUPERSEDED)

    async def superseded_elsewhere(self) -> None:
        """Another process took the session over (seen by the autosave tick)."""
        self.closed = True
        await self._close(CloseCode.SUPERSEDED)

    async def end(self, reply: dict[str, Any]) -> None:
        """The session is gone (erased by an operator): no more writes; tell, then close."""
        self.closed = True
        await self._close(CloseCode.GONE, reply)

    async def _save_drafts(self, release: bool) -> None:
        rows: list[HistoryEntry] = []
        if self.dirty:
            rows.append(HistoryEntry("draft_saved", self.state.current_step, dict(self.state.drafts)))
        if release:
            rows.append(HistoryEntry("disconnected", self.state.current_step))
        record = self.state.to_record()
        await self.store.save(record, self.owner, self.state.last_seq, rows, release=release,
                              previous=self.record)
        self.record = record
        self.dirty = False

    async def _close(self, code: int, reply: dict[str, Any] | None = None) -> None:
        try:
            await self._close_socket(code, reply)
        except Exception:  # already closed by the client: nothing left to tell it
            logger.debug("closing %s with %d failed", self.user_id, code, exc_info=True)
