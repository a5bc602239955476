"""HTTP connections that hold a socket without finishing a request head (slowloris).

uvicorn's h11 protocol waits for a request head for ever, and its `limit_concurrency` only
answers 503 to requests that have arrived: a client sending half a head, or none, holds a
file descriptor for as long as it likes. This protocol adds the two missing bounds:

- a head must be complete within `header_timeout` seconds of the connection opening (or of
  the previous response), else 408 and close;
- when the connections reach the limit, the oldest ones still waiting for a head are closed
  to make room, so complete requests (a health check, a respondent's page) still get in.

WebSockets, and requests whose head has arrived, are never closed by either.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

logger = logging.getLogger(__name__)

REQUEST_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"


class GuardedH11Protocol(H11Protocol):
    header_timeout: float = 10.0  # set by guarded_h11()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.opened_at = 0.0
        self._head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.opened_at = self.loop.time()
        self._arm_head_deadline()
        if self.limit_concurrency is not None:
            self._make_room(self.limit_concurrency)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_deadline()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm_head_deadline()  # the next request's head gets the same time

    def handle_websocket_upgrade(self, event: h11.Request) -> None:
        self._disarm_head_deadline()
        super().handle_websocket_upgrade(event)

    def waiting_for_head(self) -> bool:
        return (
            self.conn.their_state is h11.IDLE
            and not self.transport.is_closing()
            and self.transport.get_protocol() is self  # not handed over to a WebSocket
        )

    def _arm_head_deadline(self) -> None:
        self._disarm_head_deadline()
        self._head_deadline = self.loop.call_later(self.header_timeout, self._head_too_slow)

    def _disarm_head_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        if self.waiting_for_head():
            logger.debug("closing %s: no request head within %ss", self.client, self.header_timeout)
            self.transport.write(REQUEST_TIMEOUT)
            self.transport.close()

    def _make_room(self, limit: int) -> None:
        # uvicorn answers 503 when the connections, this one included, reach the limit.
        excess = len(self.connections) - (limit - 1)
        if excess <= 0:
            return
        waiting = sorted(
            (c for c in self.connections
             if isinstance(c, GuardedH11Protocol) and c is not self and c.waiting_for_head()),
            key=lambda c: c.opened_at,
        )
        for stalled in waiting[:excess]:
            logger.debug("closing %s: waiting for a request head at the limit", stalled.client)
            stalled.transport.close()
        if waiting:
            logger.info("at %d connections: closed %d without a request head",
                        limit, min(excess, len(waiting)))


def guarded_h11(header_timeout: float) -> type[H11Protocol]:
    """The h11 protocol with this header timeout, for uvicorn's `http` option."""
    return type("GuardedH11Protocol", (GuardedH11Protocol,), {"header_timeout": header_timeout})
