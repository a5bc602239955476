"""The processes under test: started as users start them, observed from outside.

Each server process runs pinned to its own CPU when the machine has more than one, so the
load client (pinned to another) never takes cycles from the process it measures.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SERVING = re.compile(r"serving on (http://[\d.]+:\d+)")
ADMIN_KEY = "bench-admin-key-0123456789"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def stat_cpu_seconds(path: str) -> float:
    """User plus system CPU seconds from a /proc stat file (a process's or a thread's)."""
    with open(path) as stat:
        # Fields after the command name, which is in brackets and may hold spaces.
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def cpu_plan() -> tuple[set[int] | None, set[int] | None]:
    """(server CPUs, client CPUs): one CPU for the server, the rest for the load client."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None, None
    return {cpus[0]}, set(cpus[1:])


def raise_open_files_limit() -> int:
    """Lift the soft limit on open files to the hard one; return the new limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[str]
    url: str
    log: list[str] = field(default_factory=list)

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/ws"

    def rss_bytes(self) -> int:
        """Resident memory now, as the kernel counts it."""
        with open(f"/proc/{self.popen.pid}/statm") as statm:
            return int(statm.read().split()[1]) * PAGE_SIZE

    def cpu_seconds(self) -> float:
        """User plus system CPU time of every thread of the process so far."""
        return stat_cpu_seconds(f"/proc/{self.popen.pid}/stat")

    def metrics(self) -> dict[str, Any]:
        request = urllib.request.Request(
            self.url + "/api/metrics", headers={"Authorization": f"Bearer {ADMIN_KEY}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            body: dict[str, Any] = json.load(response)
        return body

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(60)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        if self.popen.returncode not in (0, -15):
            raise RuntimeError(f"{self.name} exited with {self.popen.returncode}:\n"
                               + "".join(self.log[-20:]))


def start(
    name: str, args: Sequence[str], env: dict[str, str], cpus: set[int] | None
) -> Process:
    """Start a process that logs 'serving on URL', and wait for that line.

    The child inherits this thread's CPU affinity and open-files limit, so both are set
    here around the start (no preexec_fn: unsafe in a process with threads).
    """
    raise_open_files_limit()
    own_cpus = os.sched_getaffinity(0)
    if cpus is not None:
        os.sched_setaffinity(0, cpus)
    try:
        popen = subprocess.Popen(
            [sys.executable, *args], cwd=PROJECT_ROOT, env={**os.environ, **env},
            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        )
    finally:
        os.sched_setaffinity(0, own_cpus)
    assert popen.stderr is not None
    stderr = popen.stderr
    log: list[str] = []
    for line in stderr:
        log.append(line)
        match = SERVING.search(line)
        if match:
            # Keep reading, so the process never blocks on a full pipe.
            threading.Thread(target=lambda: log.extend(stderr), daemon=True).start()
            return Process(name, popen, match.group(1), log)
    popen.wait(10)
    raise RuntimeError(f"{name} did not start:\n" + "".join(log))


def start_echo(cpus: set[int] | None) -> Process:
    return start("echo", ["-m", "bench.echo_app"], {}, cpus)


def start_ideal(db: Path, cpus: set[int] | None) -> Process:
    return start("ideal", ["-m", "bench.ideal_app", "--db", str(db)], {}, cpus)


def start_survey_server(
    db: Path | str, synchronous: str, cpus: set[int] | None, workers: int = 1
) -> Process:
    env = {
        "SURVEY_WORKERS": str(workers),
        "SURVEY_DB": str(db),
        "SURVEY_SYNCHRONOUS": synchronous,
        "SURVEY_ADMIN_KEY": ADMIN_KEY,
        # The load comes from one address, faster than any person answers.
        "SURVEY_RATE_LIMIT": "100000",
        "SURVEY_RATE_BURST": "100000",
        "SURVEY_MAX_CONNECTIONS_PER_ADDRESS": "1000000",
        "SURVEY_MAX_CONNECTIONS": "1000000",  # the idle run holds 10,000 open
        "SURVEY_ADDRESS_RATE_LIMIT": "1000000",
        "SURVEY_ADDRESS_RATE_BURST": "1000000",
        "SURVEY_NEW_SESSIONS_PER_MINUTE": "1000000",
        "SURVEY_LOG_LEVEL": "info",  # the default, as users run it
    }
    return start(f"server ({synchronous}, {workers} process(es))", ["-m", "server", "serve", "--port", "0"], env, cpus)
