"""Prometheus metrics at /metrics (admin key) and on --metrics-port, read with the text parser."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from server.protocol import CloseCode
from tests.support import (
    COMMUTE_ANSWERS,
    Client,
    running_server,
    settings_for,
    start_server_process,
    wait_until,
)

ADMIN_KEY = "metrics-admin-key-0123456789"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample as {(name, sorted labels): value}, through Prometheus's own parser."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def scrape(http: httpx.AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await http.get("/metrics", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


async def test_metrics_count_what_happened(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, admin_key=ADMIN_KEY)
    async with running_server(settings) as server, httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.get("/metrics")).status_code == 401
        assert (await http.get("/metrics", headers={"Authorization": "Bearer nope"})).status_code \
            == 401
        first = await Client.connect(server.ws_url)
        await first.hello()
        await first.send("not json")
        assert (await first.recv())["code"] == "bad_json"
        assert (await first.request({"type": "ping"}))["type"] == "pong"
        rejected = await first.answer("intro", "no answer here")
        assert rejected["code"] == "invalid_answer"
        for step, value in COMMUTE_ANSWERS:
            await first.answer(step, value)
        second = await Client.connect(server.ws_url)  # the same session elsewhere: takeover
        await second.hello(user_id=first.user_id, token=first.token)
        assert await first.close_code() == CloseCode.SUPERSEDED
        other = await Client.connect(server.ws_url)
        await other.hello()
        await other.send({"type": "draft", "step": "intro", "value": None})

        got = await scrape(http)
        seq_messages = 1 + len(COMMUTE_ANSWERS)
        assert got[("survey_messages_total", (("type", "answer"),))] == seq_messages
        assert got[("survey_messages_total", (("type", "hello"),))] == 3
        assert got[("survey_messages_total", (("type", "ping"),))] == 1
        assert got[("survey_messages_total", (("type", "invalid"),))] == 1
        assert got[("survey_errors_total", (("code", "bad_json"),))] == 1
        assert got[("survey_errors_total", (("code", "invalid_answer"),))] == 1
        assert got[("survey_errors_total", (("code", "seq_gap"),))] == 0
        for event, count in (("created", 2), ("resumed", 1), ("completed", 1), ("superseded", 1)):
            assert got[("survey_sessions_total", (("event", event),))] == count, event
        assert got[("survey_ack_latency_seconds_count", ())] == seq_messages
        assert got[("survey_ack_latency_seconds_bucket", (("le", "+Inf"),))] == seq_messages
        assert got[("survey_ack_latency_seconds_sum", ())] > 0
        commits = got[("survey_commit_duration_seconds_count", ())]
        assert commits >= seq_messages
        assert got[("survey_writes_per_commit_count", ())] == commits
        assert got[("survey_writes_per_commit_sum", ())] >= commits
        assert got[("survey_open_connections", ())] == 2
        assert got[("survey_open_sessions", ())] == 2
        assert got[("survey_pending_writes", ())] == 0
        assert got[("survey_database_bytes", ())] > 0
        assert got[("survey_wal_bytes", ())] > 0
        await second.close()
        await other.close()
        await wait_until(lambda: server.app.state.gateway.counts()["connections"] == 0)
        await wait_until(lambda: server.store.pending_writes == 0)
        after = await scrape(http)
        assert after[("survey_open_connections", ())] == 0
        # The JSON view for humans is still there, and agrees.
        legacy = await http.get("/api/metrics", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
        assert legacy.json()["writes"]["commits"] == after[("survey_writes_per_commit_count", ())]


async def test_a_separate_metrics_port_on_localhost_needs_no_key(tmp_path: Path) -> None:
    server = start_server_process("--db", str(tmp_path / "m.db"), "--metrics-port", "0")
    try:
        await wait_until(lambda: any("metrics on http://" in line for line in server.log))
        line = next(line for line in server.log if "metrics on http://" in line)
        match = re.search(r"metrics on (http://127\.0\.0\.1:\d+)/metrics", line)
        assert match, line
        client = await Client.connect(server.ws_url)
        await client.hello()
        async with httpx.AsyncClient() as http:
            response = await http.get(match.group(1) + "/metrics")
            # The main port keeps the key: no admin key set, so no such route there.
            assert (await http.get(server.url + "/metrics")).status_code == 404
        got = samples(response.text)
        assert got[("survey_sessions_total", (("event", "created"),))] == 1
        assert got[("survey_open_connections", ())] == 1
    finally:
        assert await asyncio.to_thread(server.terminate) == 0
