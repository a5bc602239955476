"""What a round costs, measured over its window: CPU time of a process, of the client."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

from .processes import Process, stat_cpu_seconds


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


def thread_cpu_seconds(pid: int) -> dict[int, float]:
    """User plus system CPU seconds of each thread of a process so far, by thread id."""
    found: dict[int, float] = {}
    for name in os.listdir(f"/proc/{pid}/task"):
        try:
            found[int(name)] = stat_cpu_seconds(f"/proc/{pid}/task/{name}/stat")
        except FileNotFoundError:  # the thread ended meanwhile
            continue
    return found


@dataclass
class ThreadCpu:
    """CPU seconds during the window of a server's main thread (the event loop) and of all
    its other threads together (the SQLite writer, idle helpers)."""

    process: Process
    _started: dict[int, float] = field(default_factory=dict)
    main: float = 0.0
    others: float = 0.0

    def start(self) -> None:
        self._started = thread_cpu_seconds(self.process.popen.pid)

    def stop(self) -> None:
        pid = self.process.popen.pid
        ended = thread_cpu_seconds(pid)
        used = {tid: ended[tid] - self._started.get(tid, 0.0) for tid in ended}
        self.main = used.pop(pid, 0.0)
        self.others = sum(used.values())


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
