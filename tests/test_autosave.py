"""Drafts are saved every autosave interval while connected, and on disconnect."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support import COMMUTE_ANSWERS, Client, RunningServer, running_server, settings_for
from tests.support import wait_until


def stored_drafts(server: RunningServer) -> dict[str, object]:
    row = server.db().execute("SELECT session_data FROM sessions").fetchone()
    return dict(json.loads(row[0])["drafts"]) if row else {}


async def at_text_step(server: RunningServer) -> Client:
    client = await Client.connect(server.ws_url)
    await client.hello()
    for step, value in COMMUTE_ANSWERS[:6]:
        await client.answer(step, value)
    return client


async def test_drafts_are_saved_periodically_while_connected(tmp_path: Path) -> None:
    async with running_server(settings_for(tmp_path, autosave_interval=0.2)) as server:
        client = await at_text_step(server)
        await client.send({"type": "draft", "step": "change_why", "value": "fewer"})
        await wait_until(lambda: stored_drafts(server) == {"change_why": "fewer"})
        await client.send({"type": "draft", "step": "change_why", "value": "fewer cars"})
        await wait_until(lambda: stored_drafts(server) == {"change_why": "fewer cars"})
        saves = server.db().execute(
            "SELECT count(*) FROM session_history WHERE action = 'draft_saved'").fetchone()[0]
        assert saves == 2
        # Nothing changed since: the next ticks write nothing.
        assert await client.request({"type": "ping"}) == {"type": "pong"}
        await wait_until(lambda: not server.app.state.gateway.registry.all()[0].dirty)
        assert client.ws.state.name == "OPEN"


async def test_drafts_are_saved_on_disconnect(tmp_path: Path) -> None:
    async with running_server(settings_for(tmp_path, autosave_interval=3600)) as server:
        client = await at_text_step(server)
        await client.send({"type": "draft", "step": "change_why", "value": "half typed"})
        assert await client.request({"type": "ping"}) == {"type": "pong"}
        assert stored_drafts(server) == {}  # not yet: the interval is an hour
        await client.close()
        await wait_until(lambda: stored_drafts(server) == {"change_why": "half typed"})
        actions = [r[0] for r in server.db().execute(
            "SELECT action FROM session_history ORDER BY id DESC LIMIT 2")]
        assert actions == ["disconnected", "draft_saved"]
        owner = server.db().execute("SELECT owner FROM sessions").fetchone()[0]
        assert owner is None


async def test_a_draft_is_saved_with_the_next_answer(tmp_path: Path) -> None:
    async with running_server(settings_for(tmp_path, autosave_interval=3600)) as server:
        client = await Client.connect(server.ws_url)
        await client.hello()
        await client.answer("intro", None)
        await client.send({"type": "draft", "step": "mode", "value": "Car"})
        await client.request({"type": "set_audio_mode", "seq": client.next_seq(),
                              "enabled": True})
        assert stored_drafts(server) == {"mode": "Car"}
