"""SIGKILL at random moments under load, restart, and not one acknowledged answer lost."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from tests.chaos.respondent import (
    Ledger,
    Respondent,
    Target,
    abandon,
    answering_again,
    check,
    percentile,
    wind_down,
)
from tests.chaos.scale import SCALE, SERVER_ARGS, report
from tests.support import ServerProcess, start_server_process, wait_until


def start(db: Path) -> ServerProcess:
    return start_server_process("--db", str(db), *SERVER_ARGS)


async def test_sigkill_at_random_moments_loses_and_doubles_nothing(tmp_path: Path) -> None:
    db = tmp_path / "chaos.db"
    rng = random.Random(20261123)
    server = start(db)
    target = Target(server.ws_url)
    ledger = Ledger()
    respondents = [Respondent(target, ledger, random.Random(rng.random()))
                   for _ in range(SCALE.respondents)]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(r.run(stop)) for r in respondents]
    try:
        for _ in range(SCALE.kills):
            # A random moment: after a random number of further acknowledged answers.
            goal = len(ledger.acked) + rng.randint(*SCALE.acks_between_kills)
            await wait_until(lambda goal=goal: len(ledger.acked) >= goal, timeout=120)
            server.kill()  # SIGKILL: no shutdown, no saving, mid-commit or mid-send
            server = await asyncio.to_thread(start, db)
            target.ws_url = server.ws_url
        await answering_again(ledger, SCALE.respondents)
        await wind_down(stop, tasks)
    finally:
        abandon(stop, tasks, server)
    verdict = check(db, ledger)
    latencies = [x for r in respondents for x in r.latencies]
    report("SIGKILL", {
        "respondents": SCALE.respondents, "kills": SCALE.kills,
        "sessions": sum(r.sessions for r in respondents),
        "reconnects": sum(r.connections for r in respondents) - SCALE.respondents,
        **verdict.figures(),
        "ack p50 ms": round(percentile(latencies, 0.5) * 1000, 1),
        "ack p99 ms": round(percentile(latencies, 0.99) * 1000, 1),
    })
    assert verdict.acknowledged > 0
    assert (verdict.lost, verdict.doubled, verdict.different) == (0, 0, 0)
    assert verdict.stored_unacknowledged == 0
    unexpected = {code: n for r in respondents for code, n in r.errors.items()
                  if code not in ("storage_unavailable",)}
    assert not unexpected, unexpected
