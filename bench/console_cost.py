"""What an open operators' console costs respondents: rounds with and without one.

The console is a live subscription to the figures (GET /api/surveys/commute/live) read by
a thread of this process, as a browser's EventSource would. Rounds alternate without and
with it on the same server, and each ratio pairs a round with the one before it.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
import urllib.request
from dataclasses import dataclass
from typing import Any

from . import processes
from .report import Round


class Console:
    """A subscriber to the live figures, counting the updates it receives."""

    def __init__(self, server: processes.Process) -> None:
        request = urllib.request.Request(
            server.url + "/api/surveys/commute/live",
            headers={"Authorization": f"Bearer {processes.ADMIN_KEY}"})
        self._response: Any = urllib.request.urlopen(request, timeout=60)
        self.updates = 0
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for line in self._response:
                if line.startswith(b"event: figures"):
                    self.updates += 1
        except (OSError, ValueError, AttributeError):  # closed by close() under it
            pass

    def close(self) -> None:
        self._response.close()
        self._thread.join(5)


@dataclass
class ConsoleCost:
    respondents: int
    without: list[Round]
    with_console: list[Round]
    updates_per_second: float

    def ratio(self, field: str) -> float:
        return float(statistics.median(
            getattr(w, field) / getattr(o, field) for o, w in zip(self.without, self.with_console)))

    def text(self) -> str:
        median = statistics.median
        return (
            f"With an operators' console open (live figures), {self.respondents} respondents: "
            f"{median(r.steps_per_second for r in self.with_console):,.0f} steps/s "
            f"against {median(r.steps_per_second for r in self.without):,.0f} without "
            f"(ratio {self.ratio('steps_per_second'):.2f}); server CPU per step ratio "
            f"{self.ratio('server_cpu_us_per_step'):.2f}; p99 ratio {self.ratio('p99_ms'):.2f}; "
            f"the console received {self.updates_per_second:.1f} updates/s."
        )


async def measure_console_cost(
    server: processes.Process, args: argparse.Namespace, respondents: int, measure: Any,
    settle: Any,
) -> ConsoleCost:
    from .respondents import survey_visit

    without: list[Round] = []
    with_console: list[Round] = []
    update_rates = []
    for _ in range(args.rounds):
        without.append(await measure(server, server.ws_url, survey_visit, respondents,
                                     args.seconds))
        await settle(server)
        console = Console(server)
        started = time.monotonic()
        try:
            with_console.append(await measure(server, server.ws_url, survey_visit,
                                              respondents, args.seconds))
        finally:
            update_rates.append(console.updates / (time.monotonic() - started))
            console.close()
        await settle(server)
    return ConsoleCost(respondents, without, with_console, statistics.median(update_rates))
