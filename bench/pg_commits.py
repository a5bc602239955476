"""How to group PostgreSQL writes into transactions: measured, not guessed.

    python -m bench.pg_commits postgresql://postgres@127.0.0.1/test [--seconds 5]

Two ways to commit the same fenced save (the store's SAVE_SESSION statement, history row
included), with C writers at once, each saving its own session in a loop:

- per-write: each save is its own statement and transaction on a pooled connection
  (what PostgresStore does); PostgreSQL groups the WAL flushes of concurrent commits.
- batched: one writer takes every save waiting, runs them in one transaction with a
  savepoint each (what the SQLite writer does), commits once, answers each.

Rounds alternate the two modes; prints the median over rounds of saves per second and of
the mean latency of a save, per mode and concurrency.
It creates and drops tables in a scratch schema of the given database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from typing import Any

import asyncpg

from server.store.postgres import SAVE_SESSION
from server.store.postgres_schema import MIGRATIONS

SCHEMA = "bench_pg_commits"


async def prepare(url: str, sessions: int) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}")
        await conn.execute(f"SET search_path = {SCHEMA}")
        for migration in MIGRATIONS:
            for statement in migration:
                await conn.execute(statement)
        await conn.executemany(
            "INSERT INTO sessions (user_id, survey_id, survey_version, current_step, "
            "token_hash, owner, created_at, updated_at) VALUES ($1, 's', 1, 'S1', 'h', 'o', "
            "'2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
            [(f"u{i}",) for i in range(sessions)],
        )
    finally:
        await conn.close()


def save_args(user: int, seq: int) -> tuple[Any, ...]:
    return (f"u{user}", "o", seq - 1, 1, "S2", json.dumps({"S1": seq}), "[]", False,
            '{"drafts":{}}', seq, "2026-01-01T00:00:01.000Z", None, False, False,
            ["answer"], ["S1"], [json.dumps({"value": seq})], [seq])


async def per_write(url: str, writers: int, seconds: float) -> list[float]:
    pool = await asyncpg.create_pool(url, min_size=min(writers, 10), max_size=10,
                                     server_settings={"search_path": SCHEMA})
    latencies: list[float] = []
    stop = time.perf_counter() + seconds

    async def writer(user: int) -> None:
        seq = 0
        while time.perf_counter() < stop:
            seq += 1
            began = time.perf_counter()
            async with pool.acquire() as conn:
                assert await conn.fetchval(SAVE_SESSION, *save_args(user, seq)) == 1
            latencies.append(time.perf_counter() - began)

    await asyncio.gather(*(writer(u) for u in range(writers)))
    await pool.close()
    return latencies


async def batched(url: str, writers: int, seconds: float) -> list[float]:
    conn = await asyncpg.connect(url, server_settings={"search_path": SCHEMA})
    queue: asyncio.Queue[tuple[tuple[Any, ...], asyncio.Future[None]]] = asyncio.Queue()
    latencies: list[float] = []
    stop = time.perf_counter() + seconds

    async def commit_loop() -> None:
        while True:
            batch = [await queue.get()]
            while not queue.empty():
                batch.append(queue.get_nowait())
            async with conn.transaction():
                for args, _ in batch:
                    await conn.execute("SAVEPOINT job")
                    assert await conn.fetchval(SAVE_SESSION, *args) == 1
                    await conn.execute("RELEASE job")
            for _, done in batch:
                done.set_result(None)

    async def writer(user: int) -> None:
        seq = 0
        while time.perf_counter() < stop:
            seq += 1
            began = time.perf_counter()
            done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            await queue.put((save_args(user, seq), done))
            await done
            latencies.append(time.perf_counter() - began)

    committer = asyncio.create_task(commit_loop())
    await asyncio.gather(*(writer(u) for u in range(writers)))
    committer.cancel()
    await conn.close()
    return latencies


async def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pg_commits", description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--writers", default="1,10,50,200")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print("| writers | mode | saves/s | mean latency ms |")
    print("|---:|---|---:|---:|")
    modes = (("per-write", per_write), ("batched", batched))
    for writers in (int(w) for w in args.writers.split(",")):
        rates: dict[str, list[float]] = {name: [] for name, _ in modes}
        means: dict[str, list[float]] = {name: [] for name, _ in modes}
        for _ in range(args.rounds):
            for name, mode in modes:
                await prepare(args.url, writers)
                latencies = await mode(args.url, writers, args.seconds)
                rates[name].append(len(latencies) / args.seconds)
                means[name].append(statistics.fmean(latencies) * 1000)
        for name, _ in modes:
            print(f"| {writers} | {name} | {statistics.median(rates[name]):,.0f} | "
                  f"{statistics.median(means[name]):.2f} |", flush=True)
    conn = await asyncpg.connect(args.url)
    await conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
