"""The operators' side at scale: figures, a full export and the first page of 100,000 sessions.

The database is filled through the store (the state machine answers random paths through
the bundled survey, as respondents would), then a real server process answers the admin
API while this process measures from outside: time for each request, export rows per
second, and the server's resident memory sampled while the export streams.
"""

from __future__ import annotations

import asyncio
import csv
import io
import random
import statistics
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.session.lifecycle import new_session
from server.session.machine import handle
from server.session.messages import Answer
from server.store import HistoryEntry, SQLiteStore
from server.survey import BUNDLED_DIR, Step, Survey, load_catalog
from server.tokens import hash_token

from . import processes

SENTENCES = ("A direct bus line", "Safer bike lanes", "=SUM(A1:A9)", "Working from home more",
             "Nothing, it is fine", "Cheaper tickets, and trains that run on time")
FILL_BATCH = 1000
MIB = 1024 * 1024


def random_value(step: Step, rng: random.Random) -> Any:
    if step.type == "single_choice":
        return rng.choice(step.option_values())
    if step.type == "multi_choice":
        values = step.option_values()
        return rng.sample(values, rng.randint(max(step.min_selected, 1), len(values)))
    if step.type in ("number", "scale"):
        assert step.min is not None and step.max is not None
        return rng.randint(int(step.min), min(int(step.max), 120))
    if step.type == "yes_no":
        return rng.random() < 0.5
    if step.type == "text":
        return None if rng.random() < 0.3 else rng.choice(SENTENCES)
    return None  # info


async def _one_session(store: SQLiteStore, survey: Survey, index: int, rng: random.Random) -> None:
    state = new_session(survey, f"bench-{index:07d}")
    history = [HistoryEntry("created", state.current_step)]
    # About two in three finish; the others stop somewhere on the way.
    stop_after = 99 if rng.random() < 0.67 else rng.randint(0, 5)
    while not state.completed and state.last_seq < stop_after:
        step = survey.steps[state.current_step]
        transition = handle(survey, state, Answer(state.last_seq + 1, step.id,
                                                  random_value(step, rng)))
        history.extend(transition.history)
        state = transition.state
    await store.create(state.to_record(), hash_token(f"token-{index}"), "bench-filler", history)


async def fill(db: Path, sessions: int, seed: int = 1) -> float:
    """Sessions per second written through the store."""
    survey = load_catalog(BUNDLED_DIR).surveys["commute"]
    rng = random.Random(seed)
    store = SQLiteStore(db, synchronous="NORMAL")
    await store.open()
    started = time.perf_counter()
    try:
        for start in range(0, sessions, FILL_BATCH):
            await asyncio.gather(*(_one_session(store, survey, i, rng)
                                   for i in range(start, min(start + FILL_BATCH, sessions))))
    finally:
        await store.close()
    return sessions / (time.perf_counter() - started)


def _get(server: processes.Process, path: str) -> tuple[float, bytes]:
    request = urllib.request.Request(
        server.url + path, headers={"Authorization": f"Bearer {processes.ADMIN_KEY}"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        body = response.read()
    return time.perf_counter() - started, body


class _PeakMemory:
    """The largest resident size of a process, sampled every few milliseconds."""

    def __init__(self, server: processes.Process) -> None:
        self.server = server
        self.peak = server.rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self.server.rss_bytes())

    def __enter__(self) -> _PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class ScaleResult:
    sessions: int
    fill_per_second: float
    figures_seconds: float
    first_page_seconds: float
    export_seconds: float
    export_rows: int
    export_bytes: int
    idle_rss: int
    export_peak_rss: int

    @property
    def export_rows_per_second(self) -> float:
        return self.export_rows / self.export_seconds

    def text(self) -> str:
        return (
            f"{self.sessions:,} sessions (filled through the store at "
            f"{self.fill_per_second:,.0f}/s):\n"
            f"  figures (GET /stats): {self.figures_seconds * 1000:.0f} ms (median of 3)\n"
            f"  first page of sessions (GET /sessions, 100): "
            f"{self.first_page_seconds * 1000:.1f} ms (median of 3)\n"
            f"  full CSV export: {self.export_rows:,} rows, {self.export_bytes / MIB:.1f} MiB in "
            f"{self.export_seconds:.2f} s = {self.export_rows_per_second:,.0f} rows/s\n"
            f"  server resident memory: {self.idle_rss / MIB:.0f} MiB idle, "
            f"{self.export_peak_rss / MIB:.0f} MiB at the export's peak "
            f"(+{(self.export_peak_rss - self.idle_rss) / MIB:.1f} MiB)"
        )


def _median_time(server: processes.Process, path: str) -> float:
    return statistics.median(_get(server, path)[0] for _ in range(3))


async def measure_scale(workdir: Path, sessions: int, cpus: set[int] | None) -> ScaleResult:
    db = workdir / "results.db"
    fill_rate = await fill(db, sessions)
    server = processes.start_survey_server(db, "FULL", cpus)
    try:
        return await asyncio.to_thread(_measure, server, sessions, fill_rate)
    finally:
        server.stop()


def _measure(server: processes.Process, sessions: int, fill_rate: float) -> ScaleResult:
    _get(server, "/api/surveys")  # connections opened, pages warm: measure the steady state
    idle = server.rss_bytes()
    figures = _median_time(server, "/api/surveys/commute/stats")
    first_page = _median_time(server, "/api/surveys/commute/sessions?status=all&limit=100")
    with _PeakMemory(server) as memory:
        export_time, body = _get(server, "/api/surveys/commute/export?status=all")
    rows = len(list(csv.reader(io.StringIO(body.decode(), newline="")))) - 1  # less the header
    return ScaleResult(sessions, fill_rate, figures, first_page, export_time,
                       rows, len(body), idle, memory.peak)


def main() -> None:
    import sys
    import tempfile

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory(prefix="survey-bench-") as workdir:
        result = asyncio.run(measure_scale(Path(workdir), count, None))
    print(result.text())


if __name__ == "__main__":
    main()
