"""Shared test helpers: a real server on a real socket, and a protocol-speaking client."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from server.app import create_app
from server.runner import SurveyServer, make_store, uvicorn_config
from server.settings import Settings
from server.store import RetryPolicy, SessionStore
from server.survey import BUNDLED_DIR, SurveyCatalog, load_catalog

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RECV_TIMEOUT = 10.0


async def wait_until(predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Wait for a condition another task or process brings about (polled, never a fixed sleep)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def settings_for(tmp_path: Path, **overrides: Any) -> Settings:
    base = Settings(
        db=tmp_path / "sessions.db",
        surveys=BUNDLED_DIR,
        retry=RetryPolicy(tries=3, initial=0.05, factor=2, cap=0.2),
    )
    return replace(base, **overrides)


@dataclass
class RunningServer:
    url: str  # http://127.0.0.1:PORT
    app: Starlette
    store: SessionStore
    settings: Settings

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/ws"

    async def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """Rows read past the server, from either store's database."""
        return await query(self.settings.db, sql)

    def db(self) -> sqlite3.Connection:
        """A separate reader connection, to check what is really on disk (SQLite only)."""
        assert isinstance(self.settings.db, Path), "a SQLite test"
        conn = sqlite3.connect(self.settings.db)
        conn.row_factory = sqlite3.Row
        return conn


@contextlib.asynccontextmanager
async def running_server(
    settings: Settings, catalog: SurveyCatalog | None = None
) -> AsyncIterator[RunningServer]:
    catalog = catalog or load_catalog(settings.surveys)
    store = make_store(settings)
    await store.open()
    app = create_app(settings, catalog, store)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # As in production.
    server = SurveyServer(uvicorn_config(app, settings), app.state.gateway, app.state.live)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        await wait_until(lambda: server.started or task.done())
        if task.done():
            task.result()
        yield RunningServer(f"http://127.0.0.1:{port}", app, store, settings)
    finally:
        server.should_exit = True
        await task
        await store.close()
        sock.close()


class Client:
    """A WebSocket client that speaks the protocol and keeps its own seq."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.seq = 0
        self.user_id: str | None = None
        self.token: str | None = None

    @classmethod
    async def connect(cls, url: str, **kwargs: Any) -> Client:
        return cls(await connect(url, open_timeout=RECV_TIMEOUT, **kwargs))

    async def send(self, message: dict[str, Any] | str) -> None:
        await self.ws.send(message if isinstance(message, str) else json.dumps(message))

    async def recv(self, timeout: float = RECV_TIMEOUT) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.ws.recv(), timeout)
        message: dict[str, Any] = json.loads(raw)
        return message

    async def request(self, message: dict[str, Any]) -> dict[str, Any]:
        await self.send(message)
        return await self.recv()

    async def hello(self, **fields: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """Say hello; return (welcome, step-or-complete)."""
        welcome = await self.request({"type": "hello", "protocol": 1, **fields})
        assert welcome["type"] == "welcome", welcome
        self.user_id = welcome["user_id"]
        self.token = welcome.get("token", fields.get("token"))
        self.seq = welcome["last_seq"]
        return welcome, await self.recv()

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    async def answer(self, step: str, value: Any) -> dict[str, Any]:
        return await self.request(
            {"type": "answer", "seq": self.next_seq(), "step": step, "value": value}
        )

    async def back(self) -> dict[str, Any]:
        return await self.request({"type": "back", "seq": self.next_seq()})

    async def close_code(self, timeout: float = RECV_TIMEOUT) -> int | None:
        """Read until the server closes; return its close code."""
        with contextlib.suppress(ConnectionClosed):
            while True:
                await asyncio.wait_for(self.ws.recv(), timeout)
        return self.ws.close_code

    async def close(self) -> None:
        await self.ws.close()


# A path through the bundled survey that visits every step type but info-only ones.
COMMUTE_ANSWERS: list[tuple[str, Any]] = [
    ("intro", None),
    ("mode", "public_transport"),
    ("transport", ["Bus", "Metro"]),
    ("minutes", 35),
    ("satisfaction", 7),
    ("change", True),
    ("change_why", "A safer bike lane"),
]


def write_survey(directory: Path, survey: dict[str, Any], name: str | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name or survey['id']}.json"
    path.write_text(json.dumps(survey))
    return path


@dataclass
class ServerProcess:
    """`python -m server serve` in its own process, as users run it."""

    process: subprocess.Popen[str]
    url: str
    log: list[str]
    drain: threading.Thread

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/ws"

    def kill(self) -> None:
        self.process.kill()
        self.wait()

    def terminate(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.wait()

    def wait(self) -> int:
        code = self.process.wait(30)
        self.drain.join(10)
        assert self.process.stderr is not None
        self.process.stderr.close()
        return code


SERVING = re.compile(r"serving on (http://[\d.]+:\d+)")


def start_server_process(*args: str, env: dict[str, str] | None = None) -> ServerProcess:
    """Start the server on a free port and wait for its 'serving on' log line."""
    command = [sys.executable, "-m", "server", "serve", "--port", "0", *args]
    process = subprocess.Popen(
        command, cwd=PROJECT_ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        env={**os.environ, **(env or {})},
    )
    assert process.stderr is not None
    log: list[str] = []
    stderr = process.stderr
    for line in stderr:
        log.append(line)
        match = SERVING.search(line)
        if match:
            # Keep draining the log so the server never blocks on a full pipe.
            drain = threading.Thread(target=lambda: log.extend(stderr), daemon=True)
            drain.start()
            return ServerProcess(process, match.group(1), log, drain)
    process.wait(10)
    stderr.close()
    raise AssertionError("server did not start:\n" + "".join(log))


async def query(db: Path | str, sql: str) -> list[tuple[Any, ...]]:
    """Rows straight from the database (SQLite file or PostgreSQL URL), past the store."""
    if isinstance(db, Path):
        with contextlib.closing(sqlite3.connect(db)) as conn:
            return [tuple(row) for row in conn.execute(sql)]
    import asyncpg

    conn = await asyncpg.connect(db)
    try:
        return [tuple(row) for row in await conn.fetch(sql)]
    finally:
        await conn.close()


async def execute(db: Path | str, sql: str) -> None:
    """Change the database behind the store's back (tests that set up odd states)."""
    if isinstance(db, Path):
        with contextlib.closing(sqlite3.connect(db)) as conn:
            conn.execute(sql)
            conn.commit()
        return
    import asyncpg

    conn = await asyncpg.connect(db)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()
