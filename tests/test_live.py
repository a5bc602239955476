"""The live stream of figures: pushed after commits, coalesced, ended at shutdown."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.operators.live import MIN_INTERVAL, LiveFeed
from tests.operators_support import ADMIN, admin_settings, finished, get, respondent
from tests.support import COMMUTE_ANSWERS, running_server

# The live console runs on both stores.
pytestmark = pytest.mark.usefixtures("on_both_stores")


async def _events(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    """The `figures` events of a server-sent event stream, as they arrive."""
    event = None
    async for line in response.aiter_lines():
        if line.startswith("event: "):
            event = line[len("event: "):]
        elif line.startswith("data: ") and event == "figures":
            yield json.loads(line[len("data: "):])
        elif line == "":
            event = None


async def test_the_stream_sends_figures_after_each_commit(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            async with http.stream("GET", "/api/surveys/commute/live", headers=ADMIN) as response:
                assert response.status_code == 200
                assert response.headers["content-type"].startswith("text/event-stream")
                events = _events(response)
                first = await asyncio.wait_for(anext(events), 10)
                assert first["sessions"]["total"] == 0
                client = await respondent(server.ws_url, COMMUTE_ANSWERS[:2])
                loop = asyncio.get_running_loop()
                answered_at = loop.time()
                while True:  # the figures catch up with what was committed
                    update = await asyncio.wait_for(anext(events), 10)
                    mode = next(s for s in update["steps"] if s["id"] == "mode")
                    if mode["answered"] == 1:
                        break
                print(f"live update {1000 * (loop.time() - answered_at):.0f} ms after the ack")
                assert update["sessions"]["in_progress"] == 1
                assert update == (await get(server.url, "/api/surveys/commute/stats",
                                            headers=ADMIN)).json()
                await client.close()


async def test_a_burst_of_answers_is_coalesced(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            async with http.stream("GET", "/api/surveys/commute/live", headers=ADMIN) as response:
                events = _events(response)
                await asyncio.wait_for(anext(events), 10)
                received: list[dict[str, Any]] = []

                async def collect() -> None:
                    async for figures in events:
                        received.append(figures)

                collector = asyncio.create_task(collect())
                loop = asyncio.get_running_loop()
                started = loop.time()
                await asyncio.gather(*(finished(server.ws_url, COMMUTE_ANSWERS)
                                       for _ in range(10)))
                elapsed = loop.time() - started
                # 10 visits: 10 creates, 70 answers and 10 saves on disconnect committed.
                await wait_for_figures(received, lambda f: f["sessions"]["completed"] == 10)
                collector.cancel()
    # At most one update per interval while answers poured in, plus the last one.
    assert len(received) <= elapsed / MIN_INTERVAL + 2, (len(received), elapsed)


async def wait_for_figures(received: list[dict[str, Any]], check: Any) -> None:
    deadline = asyncio.get_running_loop().time() + 10
    while not (received and check(received[-1])):
        assert asyncio.get_running_loop().time() < deadline, received[-1:]
        await asyncio.sleep(0.02)


async def test_the_stream_needs_the_admin_key(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        anonymous = await get(server.url, "/api/surveys/commute/live")
        unknown = await get(server.url, "/api/surveys/nope/live", headers=ADMIN)
    assert anonymous.status_code == 401 and unknown.status_code == 404


async def test_closing_the_feed_ends_every_subscription() -> None:
    computed: list[str] = []

    async def compute(survey_id: str) -> dict[str, Any]:
        computed.append(survey_id)
        return {"survey": survey_id}

    feed = LiveFeed(compute)
    async with feed.subscribe("s") as updates:
        assert await anext(updates) == {"survey": "s"}
        feed.committed("other")  # another survey: nothing to compute
        await feed.close()
        assert [u async for u in updates] == []
    assert computed == ["s"] and feed.subscribers == 0


async def test_an_unwatched_survey_costs_nothing() -> None:
    async def compute(survey_id: str) -> dict[str, Any]:
        raise AssertionError("nobody is watching")

    feed = LiveFeed(compute)
    for _ in range(1000):
        feed.committed("s")
    await feed.close()


async def test_an_open_console_stream_does_not_hold_up_shutdown(tmp_path: Path) -> None:
    from tests.operators_support import ADMIN_KEY
    from tests.support import start_server_process

    process = start_server_process("--db", str(tmp_path / "s.db"),
                                   env={"SURVEY_ADMIN_KEY": ADMIN_KEY})
    try:
        async with httpx.AsyncClient(base_url=process.url, timeout=30) as http:
            async with http.stream("GET", "/api/surveys/commute/live", headers=ADMIN) as response:
                events = _events(response)
                await asyncio.wait_for(anext(events), 10)
                process.process.terminate()
                # The stream ends from the server's side as the shutdown begins.
                assert [e async for e in events] == []
    finally:
        code = process.wait()
    assert code == 0
    log = "".join(process.log)
    assert "Cancel" not in log and "timeout" not in log.lower(), log


async def test_on_postgres_the_console_sees_answers_committed_by_another_process(
    tmp_path: Path, postgres_url: str
) -> None:
    console_side = admin_settings(tmp_path, db=postgres_url)
    async with running_server(console_side) as console, running_server(console_side) as other:
        async with httpx.AsyncClient(base_url=console.url, timeout=10) as http:
            async with http.stream("GET", "/api/surveys/commute/live", headers=ADMIN) as response:
                events = _events(response)
                first = await asyncio.wait_for(anext(events), 10)
                assert first["sessions"]["total"] == 0
                # The respondent answers on the other server process only.
                client = await respondent(other.ws_url, COMMUTE_ANSWERS[:2])
                while True:
                    update = await asyncio.wait_for(anext(events), 10)
                    mode = next(s for s in update["steps"] if s["id"] == "mode")
                    if mode["answered"] == 1:
                        break
                assert update["sessions"]["in_progress"] == 1
                await client.close()
