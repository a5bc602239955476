"""The application layer alone: the survey app and the ideal durable app driven in-process.

Run: .venv/bin/python -m bench.in_process [--respondents 100] [--rounds 3] [--answers N]

No sockets, no uvicorn, no load client in another process: simulated respondents hand
ASGI messages straight to each app (Starlette's routing included) and wait for the
replies, with the real SQLite writer committing at synchronous=FULL. What the two apps
share below ASGI (uvicorn, websockets, the kernel) is left out, so the difference is the
applications' own code, and it is much steadier than the load benchmark. The respondents
run on the same thread: their own work (a few queue operations per message, the same for
both apps) is in the main thread's figure, so read the difference, not the absolutes.
`--answers 0` times visits alone (hello, welcome, disconnect): the per-visit part of a
step's cost.

Both apps run in this one process, one after the other, on one CPU; the figures are CPU
per answer of the event loop's thread and of all other threads (the writer).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.routing import WebSocketRoute

from server.app import create_app
from server.logs import configure_logging
from server.runner import make_store, run, tune_collector
from server.settings import Settings
from server.survey import BUNDLED_DIR, load_catalog

from .ideal_app import IdealServer
from .meters import thread_cpu_seconds
from .respondents import HELLO, answer_for

App = Callable[[dict[str, Any], Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
               Awaitable[None]]
SCOPE: dict[str, Any] = {
    "type": "websocket", "path": "/ws", "raw_path": b"/ws", "root_path": "", "scheme": "ws",
    "query_string": b"", "subprotocols": [], "asgi": {"version": "3.0", "spec_version": "2.4"},
    "headers": [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"bench in-process")],
    "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
}
HELLO_FRAME = json.dumps(HELLO)
SETTLE = 1.0  # seconds of load before the window opens


class Visitor:
    """One respondent's connection: the app's receive() and send() over two queues."""

    def __init__(self, app: App) -> None:
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.replies: asyncio.Queue[str] = asyncio.Queue()
        self.inbox.put_nowait({"type": "websocket.connect"})
        self.task = asyncio.ensure_future(app(dict(SCOPE), self.inbox.get, self._send))

    async def _send(self, message: dict[str, Any]) -> None:
        if message["type"] == "websocket.send":
            self.replies.put_nowait(message["text"])

    def frame(self, text: str) -> None:
        self.inbox.put_nowait({"type": "websocket.receive", "text": text})

    async def leave(self) -> None:
        self.inbox.put_nowait({"type": "websocket.disconnect", "code": 1000})
        await self.task


async def script_of(app: App) -> list[str]:
    """The answer frames of one survey visit (every visit walks the same path)."""
    visitor = Visitor(app)
    visitor.frame(HELLO_FRAME)
    frames: list[str] = []
    while True:
        reply = json.loads(await visitor.replies.get())
        if reply["type"] == "complete":
            break
        if reply["type"] != "step":
            continue
        step = reply["step"]
        frames.append(json.dumps({"type": "answer", "seq": len(frames) + 1, "step": step["id"],
                                  "value": answer_for(step)}))
        visitor.frame(frames[-1])
    await visitor.leave()
    return frames


async def load(app: App, frames: list[str], hello_replies: int, respondents: int,
               seconds: float) -> tuple[float, float, float]:
    """(answers per second, main thread µs per unit, other threads µs per unit); the unit
    is an answer, or a visit when `frames` is empty."""
    counts = {"answers": 0, "visits": 0}
    stop = asyncio.Event()

    async def respondent() -> None:
        while not stop.is_set():
            visitor = Visitor(app)
            visitor.frame(HELLO_FRAME)
            for _ in range(hello_replies):
                await visitor.replies.get()
            for frame in frames:
                visitor.frame(frame)
                await visitor.replies.get()
                counts["answers"] += 1
            await visitor.leave()
            counts["visits"] += 1

    tasks = [asyncio.create_task(respondent()) for _ in range(respondents)]
    await asyncio.sleep(SETTLE)
    unit = "answers" if frames else "visits"
    before, started, cpu_before = counts[unit], time.perf_counter(), thread_cpu_seconds(os.getpid())
    await asyncio.sleep(seconds)
    done, cpu_after = counts[unit] - before, thread_cpu_seconds(os.getpid())
    elapsed = time.perf_counter() - started
    stop.set()
    await asyncio.gather(*tasks)
    if not done:
        raise SystemExit(f"no {unit} completed in {seconds} s: is the app answering?")
    main_thread = os.getpid()  # the event loop runs on the main thread
    main = cpu_after[main_thread] - cpu_before[main_thread]
    others = sum(cpu_after[t] - cpu_before.get(t, 0.0) for t in cpu_after if t != main_thread)
    return done / elapsed, main / done * 1e6, others / done * 1e6


async def measure(args: argparse.Namespace, folder: Path) -> dict[str, list[tuple[float, ...]]]:
    catalog = load_catalog(BUNDLED_DIR)
    unlimited = 10**9
    settings = replace(
        Settings(), db=folder / "server.db", surveys=BUNDLED_DIR, rate_limit=unlimited,
        rate_burst=unlimited, max_connections=unlimited, max_connections_per_address=unlimited,
        address_rate_limit=unlimited, address_rate_burst=unlimited,
        new_sessions_per_minute=unlimited)
    store = make_store(settings)
    await store.open()
    ideal = IdealServer(folder / "ideal.db")
    ideal.writer.start()
    try:
        server_app = create_app(settings, catalog, store)
        ideal_app = Starlette(routes=[WebSocketRoute("/ws", ideal.endpoint)])
        frames = (await script_of(server_app))[: args.answers]
        tune_collector()  # as the server does once it has started
        results: dict[str, list[tuple[float, ...]]] = {"ideal": [], "server": []}
        for _ in range(args.rounds):
            for name, app, hello_replies in (("ideal", ideal_app, 1), ("server", server_app, 2)):
                results[name].append(await load(app, frames, hello_replies, args.respondents,
                                                 args.seconds))
        return results
    finally:
        ideal.writer.stop()
        await store.close()


def table(results: dict[str, list[tuple[float, ...]]], per: str) -> str:
    lines = [f"| in-process, per {per} | rate /s | main thread µs | writer µs | all µs |",
             "|---|---:|---:|---:|---:|"]
    for name, rounds in results.items():
        rate, main, others = (statistics.median(r[i] for r in rounds) for i in range(3))
        lines.append(f"| {name} | {rate:,.0f} | {main:.1f} | {others:.1f} | {main + others:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.in_process", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--respondents", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--answers", type=int, default=None,
                        help="answers per visit (default: the whole survey; 0: visits alone)")
    args = parser.parse_args(argv)
    configure_logging("warning")  # nothing per connection here: uvicorn is not involved
    with tempfile.TemporaryDirectory(prefix="survey-in-process-") as folder:
        results = run(measure(args, Path(folder)))
    print(table(results, "visit" if args.answers == 0 else "answer"), file=sys.stdout)


if __name__ == "__main__":
    main()
