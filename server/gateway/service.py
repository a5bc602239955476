"""The WebSocket side of the server: admission, the autosave tick, and shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from ..durations import timestamp_before
from ..metrics import ServerMetrics
from ..protocol import CloseCode, ErrorCode, error
from ..settings import Settings
from ..store import SessionStore, StorageUnavailable
from ..survey import SurveyCatalog
from .addresses import address_group
from .connection import Connection
from .handshake import Admission
from .limits import AddressBudgets
from .live import erased_reply
from .new_sessions import NewSessionLimit
from .origin import origin_allowed
from .registry import Registry

logger = logging.getLogger(__name__)

# A close before accept makes the server refuse the handshake with HTTP 403.
REFUSE_HANDSHAKE = 1008


class Gateway:
    def __init__(self, settings: Settings, catalog: SurveyCatalog, store: SessionStore) -> None:
        self.settings = settings
        self.catalog = catalog
        self.store = store
        self.registry = Registry(settings.max_connections_per_address)
        self.budgets = AddressBudgets(settings.address_rate_limit, settings.address_rate_burst)
        self.new_sessions = NewSessionLimit(settings.new_sessions_per_minute)
        self.metrics = ServerMetrics()
        self.closing = False
        # Set on SIGTERM, before the drain period (--shutdown-drain): /readyz says 503.
        self.draining = False
        self._connections: set[Connection] = set()
        self._closing_taken: set[asyncio.Task[None]] = set()
        store.watch_takeovers(self.taken_over_elsewhere)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI application of the WebSocket route."""
        await self.endpoint(WebSocket(scope, receive, send), receive, send)

    async def endpoint(self, websocket: WebSocket, receive: Receive, send: Send) -> None:
        origin = websocket.headers.get("origin")
        if not origin_allowed(
            origin, websocket.headers.get("host"),
            self.settings.allowed_origins, self.settings.public_origin,
        ):
            logger.info("refused a WebSocket from origin %r", origin)
            await websocket.close(REFUSE_HANDSHAKE)
            return
        # With --forwarded-allow-ips, uvicorn has put the proxy's client address here.
        address = address_group(websocket.client.host if websocket.client else "unknown")
        await websocket.accept()
        if self.closing:
            await websocket.close(CloseCode.GOING_AWAY)
            return
        if len(self._connections) >= self.settings.max_connections:
            # Full: the respondent's page waits and reconnects (4429), while the HTTP
            # connections kept in reserve (runner.HTTP_RESERVE) still answer health checks.
            await self._refuse(websocket, "The server is busy. Trying again shortly.")
            return
        if not self.registry.admit(address):
            await self._refuse(websocket, "Too many connections.")
            return
        connection = Connection(websocket, receive, send, self, self.budgets.acquire(address),
                                address)
        self._connections.add(connection)
        try:
            await connection.run()
        finally:
            self._connections.discard(connection)
            self.registry.leave(address)
            self.budgets.release(address)

    async def _refuse(self, websocket: WebSocket, text: str) -> None:
        self.metrics.errors[ErrorCode.RATE_LIMITED.value] += 1
        await websocket.send_json(error(ErrorCode.RATE_LIMITED, text))
        await websocket.close(CloseCode.RATE_LIMITED)

    def admission(self, address: str) -> Admission:
        """The access, lifetime and new-session rules for a hello from `address`."""
        ttl = self.settings.session_ttl
        return Admission(
            link_secret=self.settings.link_secret,
            expired_before=lambda: timestamp_before(ttl) if ttl else None,
            may_create=lambda: self.new_sessions.allow(address),
        )

    async def erased(self, user_ids: list[str]) -> None:
        """Close the live connections of sessions just erased: session_erased, 4410."""
        for user_id in user_ids:
            live = self.registry.get(user_id)
            if live is not None:
                self.registry.remove(live)
                await live.end(erased_reply())

    def counts(self) -> dict[str, int]:
        """Open WebSocket connections, and those with a live session (past hello)."""
        return {"connections": len(self._connections), "sessions": len(self.registry)}

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Runs the autosave tick for the lifetime of the application."""
        ticker = asyncio.create_task(self._autosave_forever(), name="autosave")
        try:
            yield
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
            await self.shutdown()

    async def _autosave_forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.autosave_interval)
            try:
                await self.autosave_tick()
            except Exception:
                logger.exception("autosave tick failed")

    async def autosave_tick(self) -> None:
        """Save every changed session; close those another process has taken over."""
        sessions = self.registry.all()
        await asyncio.gather(*(live.autosave() for live in sessions if live.dirty))
        still_open = [live for live in sessions if not live.closed]
        if not still_open:
            return
        try:
            owners = await self.store.owners([live.user_id for live in still_open])
        except StorageUnavailable:
            return
        for live in still_open:
            if live.user_id not in owners and not live.closed:
                logger.info("session %s was erased elsewhere", live.user_id)
                await live.end(erased_reply())
            elif owners.get(live.user_id) != live.owner and not live.closed:
                logger.info("session %s was taken over elsewhere", live.user_id)
                await live.superseded_elsewhere()

    def taken_over_elsewhere(self, user_id: str, new_owner: str) -> None:
        """A claim committed by any process: close our connection to that session (4409)."""
        live = self.registry.get(user_id)
        if live is None or live.closed or live.owner == new_owner:
            return
        logger.info("session %s was taken over elsewhere", user_id)
        task = asyncio.create_task(live.superseded_elsewhere())
        self._closing_taken.add(task)  # kept alive until done
        task.add_done_callback(self._closing_taken.discard)

    async def shutdown(self) -> None:
        """Save every session and close its socket with 1001 (going away: reconnect)."""
        if self.closing:
            return
        self.closing = True
        self.draining = True
        connections = list(self._connections)
        if connections:
            logger.info("saving and closing %d connection(s)", len(connections))
        await asyncio.gather(*(c.shut_down() for c in connections))
