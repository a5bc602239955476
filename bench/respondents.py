"""Simulated respondents: connect, say hello, answer every step waiting for its ack, repeat.

The echo respondent goes through the very same motions against the echo endpoint: the
same frames, built and parsed the same way, one round trip at a time. Only the answers'
round trips count as steps; the hello is the per-visit cost both pay.
"""

from __future__ import annotations

import asyncio
import json
import time
from array import array
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from websockets.asyncio.client import ClientConnection, connect

HELLO: dict[str, Any] = {"type": "hello", "protocol": 1}
OPEN_TIMEOUT = 60.0
RAMP_TIMEOUT = 120.0  # for every respondent to get past its first hello


class UnexpectedReply(Exception):
    """The server answered something a correct server would not have: the run is invalid."""


def answer_for(step: dict[str, Any]) -> Any:
    """A valid value for any step, from its definition alone."""
    kind = step["type"]
    if kind == "info":
        return None
    if kind == "single_choice":
        return step["options"][0]["value"]
    if kind == "multi_choice":
        return [option["value"] for option in step["options"][: max(1, step["min_selected"])]]
    if kind == "number":
        return step.get("min") or 0
    if kind == "scale":
        return (step["min"] + step["max"]) // 2
    if kind == "yes_no":
        return True
    if kind == "text":
        return "Answered by the load benchmark"
    raise ValueError(f"no answer for a {kind} step")


class Meter(Protocol):
    """Something measured over exactly the recorder's window (CPU time, say)."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


@dataclass
class Recorder:
    """Steps and their latencies, counted only inside the measurement window."""

    meters: Sequence[Meter] = ()
    opened_at: float | None = None
    closed_at: float | None = None
    # Of the steps started inside the window, whenever they end.
    latencies: array[float] = field(default_factory=lambda: array("d"))
    # From opening the connection to the server's reply to hello (both, for the survey).
    handshakes: array[float] = field(default_factory=lambda: array("d"))
    # Seconds spent in steps and in handshakes inside the window, by every respondent: the
    # part of each one that overlaps the window, whenever it started or ended.
    step_seconds: float = 0.0
    handshake_seconds: float = 0.0
    hellos: int = 0  # visits that got past the handshake, window or not

    def open(self) -> None:
        for meter in self.meters:
            meter.start()
        self.opened_at = time.perf_counter()

    def close(self) -> None:
        self.closed_at = time.perf_counter()
        for meter in self.meters:
            meter.stop()

    def _started_inside(self, started: float) -> bool:
        return (self.opened_at is not None and started >= self.opened_at
                and (self.closed_at is None or started < self.closed_at))

    def _overlap(self, started: float, finished: float) -> float:
        if self.opened_at is None:
            return 0.0
        end = finished if self.closed_at is None else min(finished, self.closed_at)
        return max(0.0, end - max(started, self.opened_at))

    def step(self, started: float, finished: float) -> None:
        if self._started_inside(started):
            self.latencies.append(finished - started)
        self.step_seconds += self._overlap(started, finished)

    def handshake(self, started: float, finished: float) -> None:
        if self._started_inside(started):
            self.handshakes.append(finished - started)
        self.handshake_seconds += self._overlap(started, finished)

    @property
    def seconds(self) -> float:
        assert self.opened_at is not None and self.closed_at is not None
        return self.closed_at - self.opened_at

    @property
    def steps_per_second(self) -> float:
        return len(self.latencies) / self.seconds


async def _receive(ws: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await ws.recv())
    return message


async def survey_visit(url: str, recorder: Recorder, stop: asyncio.Event) -> list[dict[str, Any]]:
    """One respondent's whole survey, as a new session; returns the answer messages sent."""
    sent: list[dict[str, Any]] = []
    opened = time.perf_counter()
    async with connect(url, open_timeout=OPEN_TIMEOUT, max_queue=None) as ws:
        await ws.send(json.dumps(HELLO))
        welcome = await _receive(ws)
        reply = await _receive(ws)
        if welcome["type"] != "welcome" or reply["type"] != "step":
            raise UnexpectedReply(f"{welcome} / {reply}")
        recorder.handshake(opened, time.perf_counter())
        recorder.hellos += 1
        seq = welcome["last_seq"]
        while reply["type"] == "step" and not stop.is_set():
            seq += 1
            step = reply["step"]
            message = {"type": "answer", "seq": seq, "step": step["id"],
                       "value": answer_for(step)}
            started = time.perf_counter()
            await ws.send(json.dumps(message))
            reply = await _receive(ws)
            recorder.step(started, time.perf_counter())
            if reply.get("ack") != seq or reply["type"] not in ("step", "complete"):
                raise UnexpectedReply(f"answer {seq} got {reply}")
            sent.append(message)
    return sent


def echo_visit_for(script: list[dict[str, Any]]) -> Callable[
    [str, Recorder, asyncio.Event], Awaitable[object]
]:
    """A visit to the echo endpoint sending what a survey visit sent."""

    async def visit(url: str, recorder: Recorder, stop: asyncio.Event) -> object:
        opened = time.perf_counter()
        async with connect(url, open_timeout=OPEN_TIMEOUT, max_queue=None) as ws:
            await ws.send(json.dumps(HELLO))
            await _receive(ws)
            recorder.handshake(opened, time.perf_counter())
            recorder.hellos += 1
            for message in script:
                if stop.is_set():
                    break
                started = time.perf_counter()
                await ws.send(json.dumps(message))
                reply = await _receive(ws)
                recorder.step(started, time.perf_counter())
                if reply != message:
                    raise UnexpectedReply(f"echo of {message} was {reply}")
        return None

    return visit


Visit = Callable[[str, Recorder, asyncio.Event], Awaitable[object]]


async def run_load(
    url: str, visit: Visit, respondents: int, seconds: float, meters: Sequence[Meter] = (),
    settle: float = 0.5,
) -> Recorder:
    """`respondents` at once, each visiting again and again; measure for `seconds`.

    The window opens once every respondent is past its first hello, plus `settle`.
    """
    recorder = Recorder(meters)
    stop = asyncio.Event()

    async def respondent() -> None:
        while not stop.is_set():
            await visit(url, recorder, stop)

    tasks = [asyncio.create_task(respondent()) for _ in range(respondents)]
    try:
        async with asyncio.timeout(RAMP_TIMEOUT):
            while recorder.hellos < respondents:
                await _sleep_unless_failed(tasks, 0.05)
        await _sleep_unless_failed(tasks, settle)
        recorder.open()
        await _sleep_unless_failed(tasks, seconds)
        recorder.close()
    finally:
        stop.set()
        results = await asyncio.gather(*tasks, return_exceptions=True)
    failures = [r for r in results if isinstance(r, BaseException)]
    if failures:
        raise failures[0]
    return recorder


async def _sleep_unless_failed(tasks: list[asyncio.Task[None]], seconds: float) -> None:
    done, _ = await asyncio.wait(tasks, timeout=seconds, return_when=asyncio.FIRST_EXCEPTION)
    for task in done:
        task.result()  # a respondent failed: stop the run with its error
