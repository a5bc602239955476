"""A full disk: storage_unavailable while it is full, and every answer kept once it is not.

The database lives on a small tmpfs, filled up by a filler file and freed again. Mounting
needs root (or CAP_SYS_ADMIN); where it is not allowed the test is skipped, saying why.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

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

DISK_SIZE = "8m"


@contextlib.contextmanager
def small_disk(where: Path) -> Iterator[Path]:
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_SIZE}", "tmpfs", str(where)],
        capture_output=True, text=True, check=False,
    ) if os.geteuid() == 0 else None
    if mounted is None or mounted.returncode != 0:
        reason = "not root" if mounted is None else mounted.stderr.strip()
        print(f"\nchaos full-disk test skipped: cannot mount a tmpfs ({reason})")
        pytest.skip(f"cannot mount a small tmpfs: {reason}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(path: Path) -> int:
    """Write until the disk is full; the bytes written."""
    written = 0
    with open(path, "wb", buffering=0) as filler:
        for size in (65536, 512):  # big blocks, then the last small ones
            with contextlib.suppress(OSError):
                while True:
                    written += filler.write(b"\0" * size)
    return written


async def test_a_full_disk_gives_storage_unavailable_and_loses_nothing(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk") as disk:
        db = disk / "full.db"
        server = start_server_process("--db", str(db), "--write-timeout", "1", *SERVER_ARGS)
        target = Target(server.ws_url)
        ledger = Ledger()
        respondents = [Respondent(target, ledger, random.Random(n))
                       for n in range(SCALE.respondents)]
        stop = asyncio.Event()
        tasks = [asyncio.create_task(r.run(stop)) for r in respondents]
        filler = disk / "filler"
        try:
            await wait_until(lambda: len(ledger.acked) >= SCALE.respondents * 3, timeout=120)
            filled = await asyncio.to_thread(fill, filler)
            acked_at_full = len(ledger.acked)

            def refusals() -> int:
                return sum(r.errors["storage_unavailable"] for r in respondents)

            await wait_until(lambda: refusals() >= SCALE.respondents, timeout=120)
            acked_while_full = len(ledger.acked) - acked_at_full
            refused = refusals()
            filler.unlink()  # space again
            await answering_again(ledger, SCALE.respondents)
            await wind_down(stop, tasks)
            alive = server.process.poll() is None
        finally:
            abandon(stop, tasks, server)
        verdict = check(db, ledger)
    report("full disk", {
        "respondents": SCALE.respondents, "disk": DISK_SIZE, "filler MiB": filled >> 20,
        "acknowledged while full (WAL space still free)": acked_while_full,
        "storage_unavailable replies": refused, "server kept running": alive,
        **verdict.figures(),
    })
    assert alive
    assert (verdict.lost, verdict.doubled, verdict.different) == (0, 0, 0)
    assert verdict.stored_unacknowledged == 0
