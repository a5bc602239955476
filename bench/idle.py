"""Many open, idle sessions in one process: memory per connection, and resume latency."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from .processes import Process
from .report import percentile
from .respondents import HELLO, OPEN_TIMEOUT, UnexpectedReply

OPENING_AT_ONCE = 200  # handshakes in flight while the sessions are being opened


@dataclass(frozen=True)
class IdleResult:
    connections: int
    rss_before: int
    rss_after: int
    reconnects: int
    reconnect_p50_ms: float
    reconnect_p99_ms: float

    @property
    def bytes_per_connection(self) -> float:
        return (self.rss_after - self.rss_before) / self.connections


@dataclass
class OpenSession:
    ws: ClientConnection
    user_id: str
    token: str


async def _hello(ws: ClientConnection, message: dict[str, Any]) -> dict[str, Any]:
    await ws.send(json.dumps(message))
    welcome: dict[str, Any] = json.loads(await ws.recv())
    step: dict[str, Any] = json.loads(await ws.recv())
    if welcome["type"] != "welcome" or step["type"] != "step":
        raise UnexpectedReply(f"{welcome} / {step}")
    return welcome


async def _open_session(url: str, gate: asyncio.Semaphore) -> OpenSession:
    async with gate:
        ws = await connect(url, open_timeout=OPEN_TIMEOUT, max_queue=None)
        welcome = await _hello(ws, HELLO)
    return OpenSession(ws, welcome["user_id"], welcome["token"])


async def _wait_for_server_sessions(server: Process, count: int) -> None:
    """The server counts them itself: every hello answered and registered."""
    async with asyncio.timeout(120):
        while (await asyncio.to_thread(server.metrics))["sessions"] != count:
            await asyncio.sleep(0.1)


async def measure_idle(server: Process, connections: int, reconnects: int) -> IdleResult:
    """Open `connections` sessions and leave them idle; then resume some, one at a time."""
    rss_before = server.rss_bytes()
    gate = asyncio.Semaphore(OPENING_AT_ONCE)
    sessions = await asyncio.gather(
        *(_open_session(server.ws_url, gate) for _ in range(connections))
    )
    await _wait_for_server_sessions(server, connections)
    rss_after = server.rss_bytes()

    # A dropped connection comes back: the old socket closes, a new one resumes the session
    # while all the others stay open. Timed from the hello to the resumed step.
    timings: list[float] = []
    for session in sessions[:reconnects]:
        await session.ws.close()
        ws = await connect(server.ws_url, open_timeout=OPEN_TIMEOUT, max_queue=None)
        started = time.perf_counter()
        welcome = await _hello(
            ws, {**HELLO, "user_id": session.user_id, "token": session.token}
        )
        timings.append(time.perf_counter() - started)
        if not welcome["resumed"]:
            raise UnexpectedReply(f"the session was not resumed: {welcome}")
        session.ws = ws

    await asyncio.gather(*(s.ws.close() for s in sessions))
    return IdleResult(
        connections=connections,
        rss_before=rss_before,
        rss_after=rss_after,
        reconnects=len(timings),
        reconnect_p50_ms=percentile(timings, 0.5) * 1000,
        reconnect_p99_ms=percentile(timings, 0.99) * 1000,
    )
