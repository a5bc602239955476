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

WARN_EVERY = 60.0  # seconds between warnings about evictions
REQUEST_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"


class WaitingHeads:
    """The connections of one server that may be waiting for a request head, oldest first.

    An entry can go stale (its head arrived since); it is skipped when reached, and the
    connection enters again when its response completes. Eviction is O(1) per connection.
    """

    def __init__(self) -> None:
        self.queue: dict[GuardedH11Protocol, None] = {}  # insertion-ordered
        self.closing = 0  # evicted, not yet gone from uvicorn's set of connections
        self.unreported = 0  # evicted since the last warning
        self.reported_at = float("-inf")

    def evict(self, count: int, newcomer: GuardedH11Protocol) -> int:
        evicted = 0
        while evicted < count and self.queue:
            oldest = next(iter(self.queue))
            del self.queue[oldest]
            if oldest is newcomer or not oldest.waiting_for_head():
                continue
            oldest.evicted = True
            self.closing += 1
            oldest.transport.close()
            evicted += 1
        return evicted


class GuardedH11Protocol(H11Protocol):
    header_timeout: float = 10.0  # both set by guarded_h11()
    waiting: WaitingHeads

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.evicted = False
        self._head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if self.limit_concurrency is not None:
            self._make_room(self.limit_concurrency)
        self._expect_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_deadline()
        self.waiting.queue.pop(self, None)
        if self.evicted:
            self.evicted = False
            self.waiting.closing -= 1
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._expect_head()  # the next request's head gets the same time

    def handle_websocket_upgrade(self, event: h11.Request) -> None:
        self._disarm_head_deadline()
        self.waiting.queue.pop(self, None)
        super().handle_websocket_upgrade(event)

    def waiting_for_head(self) -> bool:
        return (
            self.conn.their_state is h11.IDLE
            and not self.transport.is_closing()
            and self.transport.get_protocol() is self  # not handed over to a WebSocket
        )

    def _expect_head(self) -> None:
        self.waiting.queue.pop(self, None)
        self.waiting.queue[self] = None  # to the back: the newest
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
        # uvicorn answers 503 once the connections, this one included, reach the limit.
        excess = len(self.connections) - self.waiting.closing - (limit - 1)
        if excess <= 0:
            return
        waiting = self.waiting
        waiting.unreported += waiting.evict(excess, self)
        # Under a flood this happens for every new connection: say so once a minute.
        if waiting.unreported and self.loop.time() - waiting.reported_at >= WARN_EVERY:
            logger.warning(
                "at --max-connections (%d): closed %d connection(s) still waiting for a "
                "request head to make room", limit, waiting.unreported,
            )
            waiting.unreported, waiting.reported_at = 0, self.loop.time()


def guarded_h11(header_timeout: float) -> type[H11Protocol]:
    """The h11 protocol with this header timeout, for uvicorn's `http` option (one per server)."""
    return type(
        "GuardedH11Protocol", (GuardedH11Protocol,),
        {"header_timeout": header_timeout, "waiting": WaitingHeads()},
    )
