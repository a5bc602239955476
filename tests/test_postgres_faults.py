"""Faults of a shared database, against a real PostgreSQL and real server processes.

PostgreSQL is restarted under load on a throwaway cluster of this module's own (never a
server other people use); respondents move between two server processes at random.
After each, every answer acknowledged is in the database exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from server.protocol import CloseCode
from tests.postgres_support import (
    PostgresServer,
    fresh_database,
    pg_ctl,
    start_throwaway_cluster,
    stop_cluster,
)
from tests.support import Client, ServerProcess, query, start_server_process, wait_until

# Respondents here answer as fast as the server replies.
FAST = ("--rate-limit", "100000", "--rate-burst", "100000")
# Writes that alternate for as long as a respondent likes: answer "mode", then go back.
ANSWER = {"type": "answer", "step": "mode", "value": "remote"}
BACK = {"type": "back"}


@pytest.fixture(scope="module")
def own_cluster() -> Iterator[PostgresServer]:
    server = start_throwaway_cluster()
    try:
        yield server
    finally:
        stop_cluster(server)


@pytest.fixture
def own_database(own_cluster: PostgresServer) -> Iterator[str]:
    with fresh_database(own_cluster) as url:
        yield url


class Respondent:
    """Keeps writing; remembers every seq the server acknowledged."""

    def __init__(self) -> None:
        self.user_id: str | None = None
        self.token: str | None = None
        self.client: Client | None = None
        self.acked: list[int] = []
        self.unavailable = 0
        self.reconnects = 0
        self.close_codes: list[int | None] = []

    @property
    def next_seq(self) -> int:
        return (self.acked[-1] if self.acked else 0) + 1

    async def connect(self, url: str) -> None:
        """Say hello (again), as the browser does: while storage is away, try again."""
        fields = {} if self.user_id is None else {"user_id": self.user_id, "token": self.token}
        for _ in range(100):
            client = await Client.connect(url)
            welcome = await client.request({"type": "hello", "protocol": 1, **fields})
            if welcome.get("code") != "storage_unavailable":
                break
            self.unavailable += 1
            await client.close()
        assert welcome["type"] == "welcome", welcome
        await client.recv()  # the step
        if self.user_id is None:
            self.user_id, self.token = welcome["user_id"], welcome["token"]
        else:
            # The server's last_seq can run ahead of our acks (a reply lost with the
            # socket), never behind.
            assert welcome["last_seq"] >= (self.acked[-1] if self.acked else 0)
            self.acked.extend(range(self.next_seq, welcome["last_seq"] + 1))
        self.client = client

    async def write_once(self) -> bool:
        """One write until it is acknowledged; False if the connection went away."""
        assert self.client is not None
        seq = self.next_seq
        message: dict[str, Any] = {**(BACK if seq % 2 == 1 and seq > 1 else ANSWER), "seq": seq}
        if seq == 1:
            message = {"type": "answer", "seq": 1, "step": "intro", "value": None}
        try:
            while True:
                reply = await self.client.request(message)
                if reply.get("code") == "storage_unavailable":
                    self.unavailable += 1  # nothing applied: send it again
                    continue
                assert reply.get("ack") == seq, reply
                self.acked.append(seq)
                return True
        except (ConnectionClosed, TimeoutError):
            self.close_codes.append(self.client.ws.close_code)
            return False


async def check_exactly_once(url: str, respondents: list[Respondent]) -> None:
    for r in respondents:
        rows = await query(
            url, "SELECT seq, count(*) FROM session_history "
                 f"WHERE user_id = '{r.user_id}' AND seq IS NOT NULL GROUP BY seq ORDER BY seq")
        counts = dict(rows)
        assert all(n == 1 for n in counts.values()), f"applied twice: {counts}"
        assert set(r.acked) <= set(counts), "an acknowledged answer is missing"
        [(last_seq,)] = await query(url, f"SELECT last_seq FROM sessions "
                                         f"WHERE user_id = '{r.user_id}'")
        assert last_seq == max(counts) >= r.acked[-1]


async def test_a_postgres_restart_under_load_loses_and_doubles_nothing(
    own_cluster: PostgresServer, own_database: str,
) -> None:
    url = own_database
    if True:
        server = start_server_process("--db", url, *FAST)
        respondents = [Respondent() for _ in range(8)]
        restarted = asyncio.Event()
        after_restart: dict[int, int] = {}

        async def keep_answering(index: int, r: Respondent) -> None:
            await r.connect(server.ws_url)
            while after_restart.get(index, 0) < 5:
                if not await r.write_once():
                    r.reconnects += 1
                    await r.connect(server.ws_url)
                    continue
                if restarted.is_set():
                    after_restart[index] = after_restart.get(index, 0) + 1

        try:
            load = [asyncio.create_task(keep_answering(i, r)) for i, r in enumerate(respondents)]
            await wait_until(lambda: all(len(r.acked) >= 5 for r in respondents), timeout=30)
            await asyncio.to_thread(pg_ctl, own_cluster, "-m", "fast", "-w", "restart")
            restarted.set()
            await asyncio.wait_for(asyncio.gather(*load), 120)
            health = await asyncio.to_thread(_get, server.url + "/healthz")
            assert health == 200  # reconnected by itself
        finally:
            assert server.terminate() == 0
        await check_exactly_once(url, respondents)
        # The restart was felt (retried or reported), and survived.
        log = "".join(server.log)
        assert "retry" in log or any(r.unavailable or r.reconnects for r in respondents), log


def _get(url: str) -> int:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as response:
        status: int = response.status
        return status


async def test_respondents_moving_between_two_processes_apply_each_answer_once(
    postgres_url: str,
) -> None:
    servers: list[ServerProcess] = [start_server_process("--db", postgres_url, *FAST)
                                   for _ in range(2)]
    rng = random.Random(12)
    respondents = [Respondent() for _ in range(6)]
    superseded = 0

    async def wander(r: Respondent) -> None:
        nonlocal superseded
        for _ in range(8):
            old = r.client
            await r.connect(rng.choice(servers).ws_url)  # takes over from `old`, if open
            if old is not None:
                code = await old.close_code()
                superseded += code == CloseCode.SUPERSEDED
            for _ in range(rng.randint(1, 4)):
                assert await r.write_once()
            if rng.random() < 0.5:
                await r.client.close()  # type: ignore[union-attr]
                r.client = None

    try:
        await asyncio.wait_for(asyncio.gather(*(wander(r) for r in respondents)), 120)
    finally:
        for r in respondents:
            if r.client is not None:
                with contextlib.suppress(ConnectionClosed):
                    await r.client.close()
        codes = [s.terminate() for s in servers]
    assert codes == [0, 0]
    assert superseded > 0  # some moved while still connected elsewhere
    await check_exactly_once(postgres_url, respondents)
