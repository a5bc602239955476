"""/readyz is 503 while writes fail or stall, and while shutting down; /healthz is liveness."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from pathlib import Path

import httpx

from tests.support import (
    Client,
    running_server,
    settings_for,
    start_server_process,
    wait_until,
)


async def status(http: httpx.AsyncClient, path: str) -> tuple[int, dict[str, str]]:
    response = await http.get(path)
    return response.status_code, response.json()


def hold_write_lock(db: Path) -> sqlite3.Connection:
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process writing, or a stuck backup
    return blocker


async def test_readyz_is_503_while_commits_fail_and_ready_again_after(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, busy_timeout_ms=300)
    async with running_server(settings) as server, httpx.AsyncClient(base_url=server.url) as http:
        assert await status(http, "/readyz") == (200, {"status": "ready"})
        client = await Client.connect(server.ws_url)
        await client.hello()
        blocker = hold_write_lock(settings.db)
        try:
            await client.send({"type": "answer", "seq": 1, "step": "intro", "value": None})

            async def not_ready() -> bool:
                return (await status(http, "/readyz"))[0] == 503

            await wait_until(not_ready)
            _, body = await status(http, "/readyz")
            assert body["status"] == "unavailable" and body["reason"], body
            assert await status(http, "/healthz") == (200, {"status": "ok"})  # still alive
            assert (await client.recv())["code"] == "storage_unavailable"
        finally:
            blocker.execute("ROLLBACK")
        assert (await client.answer("intro", None))["ack"] == 1
        assert await status(http, "/readyz") == (200, {"status": "ready"})


async def test_readyz_is_503_when_the_write_queue_is_nearly_full(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, max_pending_writes=10, busy_timeout_ms=20_000)
    async with running_server(settings) as server, httpx.AsyncClient(base_url=server.url) as http:
        blocker = hold_write_lock(settings.db)
        try:
            clients = [await Client.connect(server.ws_url) for _ in range(12)]
            for client in clients:  # each hello is a write (the new session), now queued
                await client.send({"type": "hello", "protocol": 1})

            async def queue_alarm() -> bool:
                code, body = await status(http, "/readyz")
                return code == 503 and "writes are waiting" in body.get("reason", "")

            await wait_until(queue_alarm)
        finally:
            blocker.execute("ROLLBACK")
        for client in clients:
            assert (await client.recv())["type"] in ("welcome", "error")
        await wait_until(lambda: server.store.write_trouble() is None)
        assert (await status(http, "/readyz"))[0] == 200


async def test_readyz_is_503_during_the_shutdown_drain(tmp_path: Path) -> None:
    server = start_server_process("--db", str(tmp_path / "s.db"), "--shutdown-drain", "2")
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert (await status(http, "/readyz"))[0] == 200
        client = await Client.connect(server.ws_url)
        await client.hello()
        server.process.send_signal(signal.SIGTERM)

        async def draining() -> bool:
            return await status(http, "/readyz") == (503, {"status": "shutting_down"})

        await wait_until(draining)
        # Still serving while it drains: alive, and the open session still answers.
        assert await status(http, "/healthz") == (200, {"status": "ok"})
        assert (await client.answer("intro", None))["ack"] == 1
        assert await client.close_code() == 1001
    assert await asyncio.to_thread(server.wait) == 0
