"""What a round costs, measured over its window: CPU time of a process, of the client."""

from __future__ import annotations

import time
from dataclasses import dataclass

from .processes import Process


@dataclass
class ProcessCpu:
    """CPU seconds a server process used during the window (all its threads)."""

    process: Process
    _started: float = 0.0
    seconds: float = 0.0

    def start(self) -> None:
        self._started = self.process.cpu_seconds()

    def stop(self) -> None:
        self.seconds = self.process.cpu_seconds() - self._started


@dataclass
class ClientCpu:
    """CPU seconds this load client used during the window: near the wall time means the
    client, not the server, set the pace."""

    _started: float = 0.0
    seconds: float = 0.0

    def start(self) -> None:
        self._started = time.process_time()

    def stop(self) -> None:
        self.seconds = time.process_time() - self._started
