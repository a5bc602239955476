"""Serving the app with uvicorn, with a shutdown that saves sessions before closing them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import threading
from collections.abc import Iterator

import uvicorn

from .app import create_app
from .gateway.service import Gateway
from .settings import Settings
from .store import SQLiteStore
from .survey import SurveyCatalog

logger = logging.getLogger(__name__)


class SurveyServer(uvicorn.Server):
    """uvicorn closes WebSockets with 1012 on shutdown; we close them first, saved, with 1001."""

    def __init__(self, config: uvicorn.Config, gateway: Gateway) -> None:
        super().__init__(config)
        self.gateway = gateway

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # uvicorn re-raises a captured SIGTERM once it has stopped, which kills the process
        # before the store is closed. Here a signal only asks the server to stop.
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        loop = asyncio.get_running_loop()
        signals = (signal.SIGINT, signal.SIGTERM)
        for sig in signals:
            loop.add_signal_handler(sig, self.handle_exit, sig, None)
        try:
            yield
        finally:
            for sig in signals:
                loop.remove_signal_handler(sig)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        for server in self.servers:
            for sock in server.sockets:
                host, port = sock.getsockname()[:2]
                # Tests and scripts wait for this line to learn the port (with --port 0).
                logger.info("serving on http://%s:%d", host, port)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()  # no new connections while the open ones are saved
        await self.gateway.shutdown()
        await super().shutdown(sockets)


def make_store(settings: Settings) -> SQLiteStore:
    return SQLiteStore(
        settings.db,
        synchronous=settings.synchronous,
        busy_timeout_ms=settings.busy_timeout_ms,
        max_pending_writes=settings.max_pending_writes,
        retry=settings.retry,
    )


async def serve(settings: Settings, catalog: SurveyCatalog) -> None:
    store = make_store(settings)
    await store.open()
    try:
        app = create_app(settings, catalog, store)
        config = uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            ws="websockets-sansio",
            ws_max_size=settings.max_message_bytes,
            log_config=None,
            log_level=settings.log_level,
            timeout_graceful_shutdown=10,
        )
        server = SurveyServer(config, app.state.gateway)
        await server.serve()
    finally:
        await store.close()
