"""Hostile frames from Hypothesis on one socket, a normal respondent on another.

The hostile side must only ever get protocol errors and the documented close codes
(never 1011, never a silent drop), and the server must stay up; the normal respondent's
ack latency is measured before and during the attack.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.chaos.respondent import Ledger, Respondent, Target, check, percentile
from tests.chaos.scale import SCALE, SERVER_ARGS, report
from tests.support import start_server_process

TYPES = ["hello", "answer", "voice_answer", "back", "set_audio_mode", "draft", "ping", "pong", ""]
STEPS = ["intro", "mode", "transport", "minutes", "change_why", "end", "nope"]

scalars = (st.none() | st.booleans() | st.integers() | st.floats()
           | st.text(max_size=40) | st.sampled_from(STEPS))
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner,
                                                                         max_size=5),
    max_leaves=20,
)
lone_surrogates = st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
                          min_size=1, max_size=3)
messages = st.fixed_dictionaries(
    {"type": st.sampled_from(TYPES)},
    optional={"seq": st.integers(-2, 2**70) | values, "step": st.sampled_from(STEPS) | values,
              "value": values | lone_surrogates, "transcript": st.text() | lone_surrogates,
              "enabled": values, "protocol": st.integers(0, 2) | values,
              "user_id": st.text(max_size=200) | lone_surrogates, "token": values},
)
frames = st.one_of(
    messages.map(lambda m: json.dumps(m, ensure_ascii=True)),   # escapes keep surrogates
    st.text(max_size=200),                                       # not JSON at all
    st.binary(max_size=200),                                     # binary frames
    st.integers(1, 20_000).map(lambda n: "[" * n + "]" * n),     # deep nesting
    st.integers(300, 5000).map(lambda n: '{"type": "answer", "seq": 1%s}' % ("0" * n)),
    st.sampled_from(["1e400", '{"type": "ping", "x": NaN}', '{"type": "hello", "protocol": 1}',
                     '{"type": "ping"}' * 2, "{}", "[]", "null"]),
)


class Hostile:
    """One socket sending frames. A new socket's first frame comes before its hello."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.ws: ClientConnection | None = None
        self.helloed = False
        self.closes: Counter[int] = Counter()
        self.errors: Counter[str] = Counter()
        self.frames = 0

    def _socket(self) -> ClientConnection:
        if self.ws is None:
            ws = connect(self.url, open_timeout=10, close_timeout=1, max_size=None)
            self.ws = ws.__enter__()  # as `with` would: websockets 17 wants a context manager
            self.helloed = False
        return self.ws

    def send(self, frame: str | bytes) -> None:
        ws = self._socket()
        self.frames += 1
        try:
            ws.send(frame)
            # Then a message whose answer shows the connection still serves: a hello (before
            # the handshake) answered by the first step, or a ping answered by pong.
            if self.helloed:
                ws.send('{"type": "ping"}')
                done = ("pong",)
            else:
                ws.send('{"type": "hello", "protocol": 1}')
                done = ("step", "complete")
            while True:
                reply = json.loads(ws.recv(timeout=30))
                if reply["type"] in done:
                    self.helloed = True
                    return
                if reply["type"] == "error":
                    self.errors[reply["code"]] += 1
        except ConnectionClosed as exc:
            self.closes[exc.rcvd.code if exc.rcvd else 1006] += 1
            ws.__exit__(None, None, None)
            self.ws = None


class Alongside:
    """The normal respondent, on its own thread and event loop."""

    def __init__(self, url: str, ledger: Ledger) -> None:
        self.respondent = Respondent(Target(url), ledger, random.Random(7))
        self.loop = asyncio.new_event_loop()
        self.stop = asyncio.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.loop.run_until_complete(self.respondent.run(self.stop))
        finally:
            self.loop.close()

    def latencies_from(self, start: int) -> list[float]:
        return list(self.respondent.latencies[start:])

    def finish(self) -> None:
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(60)


def test_hostile_frames_never_break_the_server_or_its_neighbours(tmp_path: Path) -> None:
    db = tmp_path / "fuzz.db"
    server = start_server_process("--db", str(db), *SERVER_ARGS)
    ledger = Ledger()
    alongside = Alongside(server.ws_url, ledger)
    hostile = Hostile(server.ws_url)
    try:
        alongside.thread.start()
        while len(alongside.respondent.latencies) < 200:  # a quiet baseline first
            alongside.thread.join(0.05)
        quiet = alongside.latencies_from(0)
        during_from = len(alongside.respondent.latencies)

        @settings(max_examples=SCALE.fuzz_examples, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(frame=frames)
        def attack(frame: Any) -> None:
            hostile.send(frame)

        attack()
        during = alongside.latencies_from(during_from)
        alongside.finish()
        alive = server.process.poll() is None
    finally:
        if server.process.poll() is None:
            server.terminate()
    failures = [line for line in server.log if "connection failed" in line or "Traceback" in line]
    verdict = check(db, ledger)
    report("hostile frames", {
        "frames": hostile.frames, "close codes": dict(sorted(hostile.closes.items())),
        "errors": dict(hostile.errors.most_common()),
        "neighbour acks quiet/during": f"{len(quiet)}/{len(during)}",
        "neighbour ack p50 ms quiet/during":
            f"{percentile(quiet, 0.5) * 1000:.1f}/{percentile(during, 0.5) * 1000:.1f}",
        "neighbour ack p99 ms quiet/during":
            f"{percentile(quiet, 0.99) * 1000:.1f}/{percentile(during, 0.99) * 1000:.1f}",
        "server errors logged": len(failures), **verdict.figures(),
    })
    assert alive and not failures, failures[:5]
    assert 1011 not in hostile.closes and 1006 not in hostile.closes
    assert not alongside.respondent.errors, alongside.respondent.errors
    assert len(during) > 0
    assert (verdict.lost, verdict.doubled, verdict.different) == (0, 0, 0)
