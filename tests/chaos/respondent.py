"""A respondent that keeps a ledger of every acknowledged answer, and the check against it.

It answers the bundled survey over and over, one message at a time, as the page does: a
message stays pending until acknowledged (by its own ack, or by a welcome's last_seq) and
is sent again, unchanged, after every reconnect or storage_unavailable.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from tests.support import ServerProcess, wait_until

RECONNECT_POLL = 0.02  # while the server is down, try again this often (it is an event poll)
REPLY_TIMEOUT = 30.0


@dataclass
class Target:
    """Where the server is now: a restart listens on a new port."""

    ws_url: str


@dataclass
class Ledger:
    """(user_id, seq) -> (step, value) for every answer the server said it had stored."""

    acked: dict[tuple[str, int], tuple[str, Any]] = field(default_factory=dict)

    def record(self, user_id: str, message: dict[str, Any]) -> None:
        key = (user_id, message["seq"])
        entry = (message["step"], message["value"])
        assert self.acked.setdefault(key, entry) == entry, f"{key} acknowledged twice, differently"


def value_for(step: dict[str, Any], rng: random.Random) -> Any:
    kind = step["type"]
    if kind == "info":
        return None
    if kind == "single_choice":
        return rng.choice([o["value"] for o in step["options"]])
    if kind == "multi_choice":
        values = [o["value"] for o in step["options"]]
        low = max(1, step.get("min_selected") or 0)
        high = step.get("max_selected") or len(values)
        return rng.sample(values, rng.randint(low, high))
    if kind in ("number", "scale"):
        return rng.randint(int(step.get("min", 0)), int(step.get("max", 100)))
    if kind == "yes_no":
        return rng.choice([True, False])
    if kind == "text":
        words = ["bike", "lane", "train", "café", "naïve", "🚲", "日本", "later"]
        return " ".join(rng.choice(words) for _ in range(rng.randint(1, 12)))[:200]
    raise AssertionError(f"unexpected step type {kind}")


@dataclass
class Respondent:
    target: Target
    ledger: Ledger
    rng: random.Random
    user_id: str | None = None
    token: str | None = None
    pending: dict[str, Any] | None = None
    acks: int = 0
    sessions: int = 0
    connections: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    closes: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    connected: bool = False  # a socket open (from the handshake on)
    finished: int = 0  # sessions answered to the end
    unavailable_after: list[float] = field(default_factory=list)  # send -> storage_unavailable

    async def run(self, stop: asyncio.Event) -> None:
        """Answer until `stop`, then finish: nothing left pending."""
        while not (stop.is_set() and self.pending is None):
            try:
                ws = await connect(self.target.ws_url, open_timeout=5, close_timeout=1)
            except (OSError, InvalidHandshake, TimeoutError):
                await asyncio.sleep(RECONNECT_POLL)
                continue
            self.connections += 1
            self.connected = True
            try:
                await self.converse(ws, stop)
            except ConnectionClosed as exc:
                self.closes[exc.rcvd.code if exc.rcvd else 1006] += 1
            except TimeoutError:
                self.errors["reply_timeout"] += 1
            finally:
                self.connected = False
                await ws.close()

    async def _recv(self, ws: ClientConnection) -> dict[str, Any]:
        raw = await asyncio.wait_for(ws.recv(), REPLY_TIMEOUT)
        message: dict[str, Any] = json.loads(raw)
        return message

    async def converse(self, ws: ClientConnection, stop: asyncio.Event) -> None:
        hello: dict[str, Any] = {"type": "hello", "protocol": 1}
        if self.user_id is not None:
            hello.update(user_id=self.user_id, token=self.token)
        started = asyncio.get_running_loop().time()
        await ws.send(json.dumps(hello))
        welcome = await self._recv(ws)
        if welcome["type"] != "welcome":
            self.errors[welcome.get("code", "?")] += 1
            if welcome.get("code") == "storage_unavailable":
                self.unavailable_after.append(asyncio.get_running_loop().time() - started)
            return
        if self.user_id is None:
            self.sessions += 1
        self.user_id, self.token = welcome["user_id"], welcome.get("token", self.token)
        last_seq: int = welcome["last_seq"]
        if self.pending is not None and self.pending["seq"] <= last_seq:
            self._acked(self.pending)  # committed before the connection went: welcome says so
        view = await self._recv(ws)
        while True:
            if self.pending is None:
                if stop.is_set():
                    return
                if view["type"] == "complete":
                    self.finished += 1
                    self.user_id = self.token = None  # a new respondent, a new session
                    return
                step = view["step"]
                self.pending = {"type": "answer", "seq": last_seq + 1, "step": step["id"],
                                "value": value_for(step, self.rng)}
            message = self.pending
            started = asyncio.get_running_loop().time()
            await ws.send(json.dumps(message, ensure_ascii=False))
            reply = await self._recv(ws)
            if reply["type"] == "error":
                self.errors[reply["code"]] += 1
                if reply["code"] == "storage_unavailable":
                    self.unavailable_after.append(asyncio.get_running_loop().time() - started)
                if reply["code"] in ("storage_unavailable", "rate_limited"):
                    await asyncio.sleep(RECONNECT_POLL)  # then the same message again
                    continue
                raise AssertionError(f"unexpected error {reply} for {message}")
            assert reply.get("ack") == message["seq"], (reply, message)
            self.latencies.append(asyncio.get_running_loop().time() - started)
            self._acked(message)
            last_seq = message["seq"]
            view = reply

    def _acked(self, message: dict[str, Any]) -> None:
        assert self.user_id is not None
        self.ledger.record(self.user_id, message)
        self.acks += 1
        self.pending = None


@dataclass
class Verdict:
    acknowledged: int
    lost: int
    doubled: int
    different: int
    stored_unacknowledged: int

    def figures(self) -> dict[str, object]:
        return {"acknowledged answers": self.acknowledged, "lost": self.lost,
                "doubled": self.doubled, "stored differently": self.different,
                "stored but never acknowledged": self.stored_unacknowledged}


def check(db: Path, ledger: Ledger) -> Verdict:
    """The database against every ledger: each acknowledged answer stored once, as sent."""
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT user_id, seq, step, answer FROM session_history WHERE action = 'answer'"
    ).fetchall()
    conn.close()
    stored: dict[tuple[str, int], list[tuple[str, Any]]] = {}
    for user_id, seq, step, answer in rows:
        stored.setdefault((user_id, seq), []).append((step, json.loads(answer)["value"]))
    lost = doubled = different = 0
    for key, entry in ledger.acked.items():
        found = stored.get(key, [])
        if not found:
            lost += 1
        elif len(found) > 1:
            doubled += 1
        elif found[0] != entry:
            different += 1
    doubled += sum(1 for key, found in stored.items() if len(found) > 1 and key not in ledger.acked)
    unacknowledged = sum(1 for key in stored if key not in ledger.acked)
    return Verdict(len(ledger.acked), lost, doubled, different, unacknowledged)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def answering_again(ledger: Ledger, respondents: int) -> None:
    """Wait until the respondents are back and answering (three more acks each, on average)."""
    goal = len(ledger.acked) + respondents * 3
    await wait_until(lambda: len(ledger.acked) >= goal, timeout=120)


async def wind_down(stop: asyncio.Event, tasks: list[asyncio.Task[None]]) -> None:
    """Let every respondent finish the message in flight, then stop."""
    stop.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 120)


def abandon(stop: asyncio.Event, tasks: list[asyncio.Task[None]], server: ServerProcess) -> None:
    """Whatever happened: no respondent left running, no server left serving."""
    stop.set()
    for task in tasks:
        task.cancel()
    if server.process.poll() is None:
        server.terminate()
