"""Serving the app with uvicorn, with a shutdown that saves sessions before closing them."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import socket
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import uvicorn
from starlette.applications import Starlette

from .app import create_app
from .gateway.origin import is_loopback
from .gateway.service import Gateway
from .metrics_export import serve_on_port
from .operators.live import LiveFeed
from .settings import Settings, is_postgres_url
from .slow_clients import guarded_h11
from .store import PostgresStore, SessionStore, SQLiteStore
from .survey import SurveyCatalog

logger = logging.getLogger(__name__)

T = TypeVar("T")


class SurveyServer(uvicorn.Server):
    """uvicorn closes WebSockets with 1012 on shutdown; we close them first, saved, with 1001."""

    def __init__(self, config: uvicorn.Config, gateway: Gateway, live: LiveFeed) -> None:
        super().__init__(config)
        self.gateway = gateway
        self.live = live

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

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # With --shutdown-drain, /readyz says 503 first, so a load balancer stops sending
        # new respondents before the open sessions are saved and closed; a second signal
        # stops at once.
        drain = self.gateway.settings.shutdown_drain
        if drain > 0 and not self.gateway.draining and not self.should_exit:
            self.gateway.draining = True
            logger.info("draining for %.1f s before shutdown (/readyz says 503)", drain)
            asyncio.get_running_loop().call_later(drain, super().handle_exit, sig, frame)
            return
        self.gateway.draining = True
        super().handle_exit(sig, frame)

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
        await self.live.close()  # the consoles' streams end, or they would hold the shutdown
        await super().shutdown(sockets)


GC_YOUNG_THRESHOLD = 10_000


def tune_collector() -> None:
    """Once everything is loaded, before serving.

    Everything loaded so far (modules, surveys, the voice tables) lives as long as the
    process: freezing keeps it out of the cyclic collector's full passes, which otherwise
    scan it again and again under load and pause every connection while they do. And a
    young-generation pass every 10,000 new objects instead of 700: each answer makes a few
    dozen (states, records, replies), nearly all freed at once by reference counting, and
    the passes cost 3% of the CPU under load (bench/, 100 respondents). The older
    generations keep their thresholds.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
# HTTP connections that still get in when max_connections WebSockets are open.
HTTP_RESERVE = 64


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run the server's top coroutine on uvloop where it is installed, else on asyncio's loop.

    uvloop's transports cost less per message than asyncio's, and are not reference cycles
    that only the cyclic collector can free (its pauses showed in the p99 latency).
    uvicorn's own `loop` option does not apply here: the loop exists before uvicorn runs.
    """
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


def make_store(settings: Settings) -> SessionStore:
    """PostgreSQL for a postgresql:// URL, else the SQLite file."""
    if is_postgres_url(settings.db):
        return PostgresStore(str(settings.db), pool_size=settings.db_pool_size,
                             retry=settings.retry, max_history_rows=settings.max_history_rows)
    return SQLiteStore(
        Path(settings.db),
        synchronous=settings.synchronous,
        busy_timeout_ms=settings.busy_timeout_ms,
        max_pending_writes=settings.max_pending_writes,
        retry=settings.retry,
        max_history_rows=settings.max_history_rows,
        write_timeout=settings.write_timeout,
    )


def uvicorn_config(app: Starlette, settings: Settings) -> uvicorn.Config:
    """How the server runs under uvicorn; the benchmark's echo ceiling runs the same way."""
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        # h11 with a deadline for request heads, and room made at the connection limit by
        # closing connections still waiting for one (server/slow_clients.py).
        http=guarded_h11(settings.header_timeout),
        # WebSockets stop at max_connections (the gateway refuses more); the reserve keeps
        # room for health checks, pages and the console even then.
        limit_concurrency=settings.max_connections + HTTP_RESERVE,
        ws="websockets-sansio",
        ws_max_size=settings.max_message_bytes,
        # Frames are small JSON: deflate would cost CPU on every message and keep zlib
        # state alive for every open connection (bench/: 71 KiB per idle connection with
        # it, 28 KiB without).
        ws_per_message_deflate=False,
        # Only the listed proxies' X-Forwarded-For is believed; uvicorn's own default
        # would believe any from 127.0.0.1, so anyone on this host could pick an address.
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=list(settings.forwarded_allow_ips),
        log_config=None,
        log_level=settings.log_level,
        timeout_graceful_shutdown=10,
    )


def warn_without_public_origin(settings: Settings) -> None:
    """Listening beyond loopback, the Host check alone lets DNS rebinding through."""
    if settings.public_origin is None and not is_loopback(settings.host):
        logger.warning(
            "LISTENING ON %s WITHOUT --public-origin: WebSocket origins are checked against "
            "the request's own Host header, which a DNS-rebinding page controls. Set "
            "--public-origin (SURVEY_PUBLIC_ORIGIN) to the address respondents use, "
            "e.g. https://survey.example.org", settings.host,
        )


async def serve(
    settings: Settings, catalog: SurveyCatalog, sock: socket.socket | None = None
) -> None:
    """Serve until stopped; on `sock` when given (a worker of --workers), else bind."""
    warn_without_public_origin(settings)
    store = make_store(settings)
    await store.open()
    try:
        app = create_app(settings, catalog, store)
        server = SurveyServer(uvicorn_config(app, settings), app.state.gateway, app.state.live)
        tune_collector()
        metrics_server = None
        if settings.metrics_port is not None:
            metrics_server, _ = serve_on_port(app.state.metrics_registry, settings.metrics_port)
        try:
            await server.serve(sockets=None if sock is None else [sock])
        finally:
            if metrics_server is not None:
                metrics_server.shutdown()
    finally:
        await store.close()
