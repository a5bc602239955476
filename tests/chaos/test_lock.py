"""A write lock held past every write's deadline: storage_unavailable on time, then recovery."""

from __future__ import annotations

import asyncio
import random
import sqlite3
from pathlib import Path

import httpx

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
from tests.support import start_server_process, wait_until

WRITE_TIMEOUT = 1.0


async def test_a_lock_held_past_the_deadline_gives_storage_unavailable_then_recovers(
    tmp_path: Path,
) -> None:
    db = tmp_path / "lock.db"
    server = start_server_process(
        "--db", str(db), "--write-timeout", str(WRITE_TIMEOUT), *SERVER_ARGS)
    target = Target(server.ws_url)
    ledger = Ledger()
    respondents = [Respondent(target, ledger, random.Random(n)) for n in range(SCALE.respondents)]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(r.run(stop)) for r in respondents]
    readiness: set[int] = set()
    try:
        async with httpx.AsyncClient(base_url=server.url) as http:
            await wait_until(lambda: len(ledger.acked) >= SCALE.respondents * 3, timeout=120)
            blocker = sqlite3.connect(db, isolation_level=None)
            blocker.execute("BEGIN IMMEDIATE")  # a backup tool, a migration, a stuck process
            try:
                async def everyone_refused() -> bool:
                    readiness.add((await http.get("/readyz")).status_code)
                    return all(r.unavailable_after for r in respondents)

                await wait_until(everyone_refused, timeout=120)
                acked_during = len(ledger.acked)
            finally:
                blocker.execute("ROLLBACK")
                blocker.close()
            await answering_again(ledger, SCALE.respondents)
            ready_after = (await http.get("/readyz")).status_code
            healthz = (await http.get("/healthz")).status_code
        await wind_down(stop, tasks)
    finally:
        abandon(stop, tasks, server)
    waits = [x for r in respondents for x in r.unavailable_after]
    verdict = check(db, ledger)
    report("write lock past the deadline", {
        "respondents": SCALE.respondents, "write timeout s": WRITE_TIMEOUT,
        "storage_unavailable replies": len(waits),
        "time to storage_unavailable min/p50/max s":
            f"{min(waits):.2f}/{percentile(waits, 0.5):.2f}/{max(waits):.2f}",
        "/readyz during the lock": sorted(readiness), "/readyz after": ready_after,
        "/healthz after": healthz, **verdict.figures(),
    })
    # Each refusal came at the write timeout: not sooner (the lock might have gone), and
    # not a multiple of it however many writes were waiting.
    assert min(waits) >= WRITE_TIMEOUT * 0.9
    assert max(waits) <= WRITE_TIMEOUT * 2
    assert 503 in readiness and ready_after == 200 and healthz == 200
    assert acked_during >= SCALE.respondents * 3
    assert (verdict.lost, verdict.doubled, verdict.different) == (0, 0, 0)
    assert verdict.stored_unacknowledged == 0
