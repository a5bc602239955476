"""python -m bench: the survey server against a bare echo endpoint, on this machine.

Both run as their own processes under the same uvicorn configuration, each pinned to one
CPU; this load client runs on the others. Rounds alternate echo, server, echo, server...
and the figures quoted are medians over rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

from server.runner import run as run_on_best_loop

from . import processes
from .account import Account, account_table
from .console_cost import measure_console_cost
from .idle import IdleResult, measure_idle
from .meters import ClientCpu, ProcessCpu, ThreadCpu
from .processes import Process
from .profile import RATE, Recording, summary
from .report import (
    Comparison,
    Round,
    comparison_table,
    goals,
    ideal_goals,
    latency_table,
    percentile,
    three_way_table,
)
from .respondents import Recorder, Visit, echo_visit_for, run_load, survey_visit
from .results_scale import measure_scale

logger = logging.getLogger("bench")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--respondents", default="100,1000",
                        help="loads to run, respondents at once (default 100,1000)")
    parser.add_argument("--synchronous", default="FULL,NORMAL",
                        help="SQLite synchronous modes to run (default FULL,NORMAL)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of each target per load (default 3)")
    parser.add_argument("--seconds", type=float, default=4.0,
                        help="measured seconds per round (default 4)")
    parser.add_argument("--idle", type=int, default=10_000,
                        help="idle sessions to hold open for the memory figure (0: skip)")
    parser.add_argument("--reconnects", type=int, default=200,
                        help="resumes to time while the idle sessions are open")
    parser.add_argument("--no-pin", dest="pin", action="store_false",
                        help="let the OS place server and client threads on any CPU")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="also record the ideal durable server and the survey server with "
                             "py-spy (100 respondents, FULL) into DIR, and account for the "
                             "difference")
    parser.add_argument("--results-sessions", type=int, default=100_000,
                        help="sessions for the operators' scale run: figures, export, first "
                             "page (0: skip)")
    parser.add_argument("--no-ideal", dest="ideal", action="store_false",
                        help="skip the ideal durable server (bench/ideal_app.py) in FULL rounds")
    parser.add_argument("--no-console", dest="console", action="store_false",
                        help="skip the rounds that measure the cost of an open console")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    return parser.parse_args(argv)


async def measure(process: Process, url: str, visit: Visit, respondents: int,
                  seconds: float) -> Round:
    server_cpu, client_cpu = ProcessCpu(process), ClientCpu()
    recorder = await run_load(url, visit, respondents, seconds, meters=(server_cpu, client_cpu))
    return _round(recorder, server_cpu, client_cpu)


def _round(recorder: Recorder, server_cpu: ProcessCpu, client_cpu: ClientCpu) -> Round:
    latencies, handshakes = recorder.latencies, recorder.handshakes
    return Round(
        steps_per_second=recorder.steps_per_second,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        server_cpu_us_per_step=server_cpu.seconds / len(latencies) * 1e6,
        client_cpu_share=client_cpu.seconds / recorder.seconds,
        in_steps=recorder.step_seconds / recorder.seconds,
        in_handshakes=recorder.handshake_seconds / recorder.seconds,
        handshake_p99_ms=percentile(handshakes, 0.99) * 1000 if handshakes else 0.0,
    )


async def wait_until_idle(server: Process) -> None:
    """Every connection of the last round closed and saved, before the next round starts."""
    async with asyncio.timeout(60):
        while (await asyncio.to_thread(server.metrics))["connections"]:
            await asyncio.sleep(0.05)


def batch_sizes(before: dict[str, Any], after: dict[str, Any]) -> Counter[int]:
    sizes: Counter[int] = Counter()
    for size, count in after["writes"]["batch_sizes"].items():
        sizes[int(size)] = count - before["writes"]["batch_sizes"].get(size, 0)
    return +sizes


async def compare(echo: Process, ideal: Process | None, server: Process, synchronous: str,
                  respondents: int, args: argparse.Namespace, echo_visit: Visit) -> Comparison:
    echo_rounds: list[Round] = []
    ideal_rounds: list[Round] = []
    server_rounds: list[Round] = []
    sizes: Counter[int] = Counter()
    for number in range(1, args.rounds + 1):
        echo_rounds.append(await measure(echo, echo.ws_url, echo_visit, respondents, args.seconds))
        if ideal is not None:
            ideal_rounds.append(
                await measure(ideal, ideal.ws_url, echo_visit, respondents, args.seconds))
        before = await asyncio.to_thread(server.metrics)
        server_rounds.append(
            await measure(server, server.ws_url, survey_visit, respondents, args.seconds)
        )
        await wait_until_idle(server)
        sizes += batch_sizes(before, await asyncio.to_thread(server.metrics))
        e, s = echo_rounds[-1], server_rounds[-1]
        logger.info(
            "%s %d respondents, round %d: echo %.0f steps/s (client CPU %.0f%%), "
            "server %.0f steps/s (client CPU %.0f%%), ratio %.2f",
            synchronous, respondents, number, e.steps_per_second, 100 * e.client_cpu_share,
            s.steps_per_second, 100 * s.client_cpu_share, s.steps_per_second / e.steps_per_second,
        )
    return Comparison(synchronous, respondents, echo_rounds, server_rounds, dict(sizes),
                      ideal_rounds)


async def record_script(server: Process) -> list[dict[str, Any]]:
    """One survey visit, to learn the frames an echo visit should send."""
    return await survey_visit(server.ws_url, Recorder(), asyncio.Event())


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    server_cpus, client_cpus = processes.cpu_plan() if args.pin else (None, None)
    if client_cpus is not None:
        os.sched_setaffinity(0, client_cpus)
    open_files = processes.raise_open_files_limit()
    loads = [int(n) for n in args.respondents.split(",") if n]
    modes = [m.strip().upper() for m in args.synchronous.split(",") if m.strip()]
    results: dict[str, Any] = {"machine": machine(server_cpus, client_cpus), "args": vars(args)}

    echo = processes.start_echo(server_cpus)
    comparisons: list[Comparison] = []
    try:
        for synchronous in modes:
            server = processes.start_survey_server(
                workdir / f"load-{synchronous}.db", synchronous, server_cpus
            )
            # The ideal durable server at FULL only: it is the durable reference.
            ideal = (processes.start_ideal(workdir / "ideal.db", server_cpus)
                     if args.ideal and synchronous == "FULL" else None)
            try:
                echo_visit = echo_visit_for(await record_script(server))
                for respondents in loads:
                    comparisons.append(await compare(echo, ideal, server, synchronous,
                                                     respondents, args, echo_visit))
                if args.console and synchronous == modes[0]:
                    cost = await measure_console_cost(server, args, loads[0], measure,
                                                      wait_until_idle)
                    results["console_cost"] = cost.text()
                if args.profile and ideal is not None:
                    results["profile"] = await profile(ideal, server, echo_visit, args)
            finally:
                server.stop()
                if ideal is not None:
                    ideal.stop()
    finally:
        echo.stop()
    results["comparisons"] = [asdict(c) | {"ratio": c.ratio("steps_per_second"),
                                           "p99_ratio": c.ratio("p99_ms")} for c in comparisons]
    results["table"] = comparison_table(comparisons)
    results["goals"] = goals(comparisons)
    results["three_way"] = three_way_table(comparisons)
    results["latency"] = latency_table(comparisons)
    results["ideal_goals"] = ideal_goals(comparisons)

    if args.results_sessions:
        scale = await measure_scale(workdir, args.results_sessions, server_cpus)
        results["scale"] = asdict(scale) | {"rows_per_second": scale.export_rows_per_second}
        results["scale_text"] = scale.text()

    if args.idle:
        needed = args.idle + args.reconnects + 100
        if open_files < needed:
            raise SystemExit(f"{args.idle:,} idle connections need {needed} open files; "
                             f"the limit here is {open_files} (ulimit -Hn)")
        server = processes.start_survey_server(workdir / "idle.db", "FULL", server_cpus)
        try:
            idle = await measure_idle(server, args.idle, args.reconnects)
        finally:
            server.stop()
        results["idle"] = asdict(idle) | {"bytes_per_connection": idle.bytes_per_connection}
        results["idle_text"] = idle_text(idle)
    return results


async def profile(
    ideal: Process, server: Process, echo_visit: Visit, args: argparse.Namespace
) -> dict[str, str]:
    """py-spy on the ideal durable server and on the survey server under the same load
    (100 respondents, FULL): the account of where each one's CPU per step goes."""
    args.profile.mkdir(parents=True, exist_ok=True)
    seconds = max(args.seconds, 5.0)
    accounts: dict[str, Account] = {}
    for name, process, visit in (("ideal", ideal, echo_visit), ("server", server, survey_visit)):
        output = args.profile / f"{name}-100-FULL.txt"
        threads = ThreadCpu(process)
        recorder = await run_load(process.ws_url, visit, 100, seconds,
                                  meters=(threads, Recording(process, output)))
        accounts[name] = Account.of(output, process.popen.pid, RATE, len(recorder.latencies),
                                    threads.main, threads.others)
        if process is server:
            await wait_until_idle(server)
    return {"account": account_table(accounts["ideal"], accounts["server"]),
            "functions": summary(args.profile / "server-100-FULL.txt")}


def idle_text(idle: IdleResult) -> str:
    mib = 1024 * 1024
    return (
        f"{idle.connections:,} idle sessions open in one process: resident memory "
        f"{idle.rss_before / mib:.0f} MiB before, {idle.rss_after / mib:.0f} MiB after, "
        f"{idle.bytes_per_connection / 1024:.1f} KiB per connection.\n"
        f"Resume (hello to the resumed step) with them open, {idle.reconnects} one at a time: "
        f"p50 {idle.reconnect_p50_ms:.1f} ms, p99 {idle.reconnect_p99_ms:.1f} ms."
    )


def machine(server_cpus: set[int] | None, client_cpus: set[int] | None) -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    pinning = (f"server on CPU {sorted(server_cpus)}, client on {sorted(client_cpus)}"
               if server_cpus and client_cpus else "not pinned to CPUs")
    return (f"{os.cpu_count()} CPUs ({model}), {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}; {pinning}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.profile and not (args.ideal and "FULL" in args.synchronous.upper()):
        raise SystemExit("--profile compares the server with the ideal durable server, which "
                         "runs at FULL: keep FULL in --synchronous and leave out --no-ideal")
    logging.basicConfig(level="INFO", format="%(asctime)s %(message)s", stream=sys.stderr)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="survey-bench-") as workdir:
        # The client on uvloop too: it must outrun the echo endpoint to measure it.
        results = run_on_best_loop(run(args, Path(workdir)))
    results["seconds"] = round(time.monotonic() - started)
    print(f"\nMachine: {results['machine']}")
    print("Durable steps per second, survey server vs bare echo "
          f"(median of {args.rounds} rounds of {args.seconds:g} s each):\n")
    print(results["table"])
    print()
    for line in results["goals"]:
        print(line)
    if results["three_way"].count("\n") > 1:
        print("\nEcho, the ideal durable server (bench/ideal_app.py) and the survey server:\n")
        print(results["three_way"])
        print()
        for line in results["ideal_goals"]:
            print(line)
        print("\nWhere the respondents wait (means over the window, medians over rounds):\n")
        print(results["latency"])
    if "idle_text" in results:
        print("\n" + results["idle_text"])
    if "console_cost" in results:
        print("\n" + results["console_cost"])
    if "scale_text" in results:
        print("\nOperators' side at scale: " + results["scale_text"])
    if "profile" in results:
        print("\nWhere the CPU of a durable step goes (py-spy, 100 respondents, FULL):\n")
        print(results["profile"]["account"])
        print("\nThe survey server's own time by function:\n" + results["profile"]["functions"])
    print(f"\n(whole run: {results['seconds']} s)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
