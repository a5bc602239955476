"""The respondent benchmark on PostgreSQL, one process and two, beside SQLite, in one run.

    python -m bench.pg_rows [--admin-url postgresql://postgres@127.0.0.1/postgres]

Each configuration serves the same load (bench/respondents.py: 100 respondents answering
the bundled survey again and again); reported per step: the server's CPU (every process
of it: with --workers, the workers' too) and PostgreSQL's (the backends serving the
benchmark's database and the server-wide WAL writer, checkpointer and background writer,
read from /proc). Each PostgreSQL configuration gets a fresh database, dropped after.
No CPU pinning: the figures are for comparing the rows with one another on one machine.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from . import processes
from .processes import CLOCK_TICKS, Process
from .respondents import run_load, survey_visit


def cpu_of(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended since
        total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def tree(pid: int) -> list[int]:
    """A process and its children (the workers of --workers)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as listing:
            children = listing.read().split()
    except OSError:
        children = []
    return [pid, *map(int, children)]


class PidsCpu:
    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self._started = 0.0
        self.seconds = 0.0

    def start(self) -> None:
        self._started = cpu_of(self.pids)

    def stop(self) -> None:
        self.seconds = cpu_of(self.pids) - self._started


async def postgres_pids(admin_url: str, database: str) -> list[int]:
    conn = await asyncpg.connect(admin_url)
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 OR backend_type IN "
            "('walwriter', 'checkpointer', 'background writer')", database)
    finally:
        await conn.close()
    return [row[0] for row in rows]


async def measure(
    server: Process, pg: tuple[str, str] | None, respondents: int, seconds: float
) -> dict[str, float]:
    # A short warm-up opens the pools' connections, so the backends to meter exist.
    await run_load(server.ws_url, survey_visit, respondents, 1.0)
    server_cpu = PidsCpu(tree(server.popen.pid))
    pg_cpu = PidsCpu(await postgres_pids(*pg) if pg else [])
    recorder = await run_load(server.ws_url, survey_visit, respondents, seconds,
                              meters=(server_cpu, pg_cpu))
    steps = len(recorder.latencies)
    return {
        "steps_per_second": recorder.steps_per_second,
        "p50_ms": statistics.median(recorder.latencies) * 1000,
        "server_us_per_step": server_cpu.seconds / steps * 1e6,
        "postgres_us_per_step": pg_cpu.seconds / steps * 1e6,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pg_rows", description=__doc__)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1/postgres")
    parser.add_argument("--respondents", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    processes.raise_open_files_limit()
    rows: dict[str, list[dict[str, float]]] = {}
    configurations = (("SQLite, 1 process", None, 1), ("PostgreSQL, 1 process", "pg", 1),
                      ("PostgreSQL, 2 processes", "pg", 2))
    with tempfile.TemporaryDirectory() as workdir:
        for round_number in range(args.rounds):
            for name, kind, workers in configurations:
                database = f"survey_bench_{uuid.uuid4().hex[:8]}"
                pg: tuple[str, str] | None = None
                if kind is None:
                    db: Path | str = Path(workdir) / f"bench-{round_number}-{workers}.db"
                else:
                    admin = await asyncpg.connect(args.admin_url)
                    await admin.execute(f'CREATE DATABASE "{database}"')
                    await admin.close()
                    db = urlunsplit(urlsplit(args.admin_url)._replace(path="/" + database))
                    pg = (args.admin_url, database)
                server = processes.start_survey_server(db, "FULL", None, workers)
                try:
                    result = await measure(server, pg, args.respondents, args.seconds)
                finally:
                    server.stop()
                    if pg is not None:
                        admin = await asyncpg.connect(args.admin_url)
                        await admin.execute(f'DROP DATABASE "{database}" WITH (FORCE)')
                        await admin.close()
                rows.setdefault(name, []).append(result)
    print(f"{args.respondents} respondents, medians of {args.rounds} rounds of "
          f"{args.seconds:g} s, {time.strftime('%Y-%m-%d %H:%M')}")
    print("| store | steps/s | p50 ms | server CPU µs/step | PostgreSQL CPU µs/step |")
    print("|---|---:|---:|---:|---:|")
    for name, results in rows.items():
        med: dict[str, Any] = {k: statistics.median(r[k] for r in results) for k in results[0]}
        print(f"| {name} | {med['steps_per_second']:,.0f} | {med['p50_ms']:.1f} | "
              f"{med['server_us_per_step']:,.0f} | {med['postgres_us_per_step']:,.0f} |")


if __name__ == "__main__":
    asyncio.run(main())
