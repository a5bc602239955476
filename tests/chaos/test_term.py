"""SIGTERM under load: every open socket closed with 1001, the process exits 0, nothing lost."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from pathlib import Path

from tests.chaos.respondent import (
    Ledger,
    Respondent,
    Target,
    abandon,
    answering_again,
    check,
    wind_down,
)
from tests.chaos.scale import SCALE, SERVER_ARGS, report
from tests.support import start_server_process, wait_until


async def test_sigterm_under_load_closes_with_1001_and_loses_nothing(tmp_path: Path) -> None:
    db = tmp_path / "term.db"
    server = start_server_process("--db", str(db), *SERVER_ARGS)
    target = Target(server.ws_url)
    ledger = Ledger()
    respondents = [Respondent(target, ledger, random.Random(n)) for n in range(SCALE.respondents)]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(r.run(stop)) for r in respondents]
    try:
        await wait_until(lambda: len(ledger.acked) >= SCALE.respondents * 5, timeout=120)
        acked_before = len(ledger.acked)
        connected = sum(r.connected for r in respondents)
        finished_before = sum(r.finished for r in respondents)
        started = time.monotonic()
        exit_code = await asyncio.to_thread(server.terminate)
        stopping_took = time.monotonic() - started
        going_away = sum(r.closes[1001] for r in respondents)
        finished_meanwhile = sum(r.finished for r in respondents) - finished_before
        server = await asyncio.to_thread(
            start_server_process, "--db", str(db), *SERVER_ARGS)
        target.ws_url = server.ws_url
        await answering_again(ledger, SCALE.respondents)
        await wind_down(stop, tasks)
    finally:
        abandon(stop, tasks, server)
    verdict = check(db, ledger)
    report("SIGTERM under load", {
        "respondents": SCALE.respondents, "acknowledged before SIGTERM": acked_before,
        "exit status": exit_code, "stop took s": round(stopping_took, 2),
        "sockets open just before SIGTERM": connected, "sockets closed 1001": going_away,
        "sessions finished while stopping": finished_meanwhile,
        "close codes": dict(sum((r.closes for r in respondents), Counter())),
        "errors": dict(sum((r.errors for r in respondents), Counter())), **verdict.figures(),
    })
    assert exit_code == 0
    # Sockets open at SIGTERM were told "going away, reconnect", or finished their survey
    # while the others were being saved; none was closed any other way.
    assert going_away + finished_meanwhile >= connected
    assert {code for r in respondents for code in r.closes} == {1001}
    assert (verdict.lost, verdict.doubled, verdict.different) == (0, 0, 0)
    assert verdict.stored_unacknowledged == 0
