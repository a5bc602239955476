"""One live connection per session: takeover in one process and across processes."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed

from server.protocol import CloseCode
from tests.support import Client, RunningServer, running_server, settings_for, wait_until


@pytest.fixture
async def server(tmp_path: Path, database: Path | str) -> AsyncIterator[RunningServer]:
    """These scenarios run on both stores."""
    async with running_server(settings_for(tmp_path, db=database)) as running:
        yield running


async def test_a_newer_connection_takes_over_and_the_older_gets_4409(
    server: RunningServer,
) -> None:
    old = await Client.connect(server.ws_url)
    await old.hello()
    await old.answer("intro", None)
    await old.send({"type": "draft", "step": "mode", "value": "Car"})
    assert await old.request({"type": "ping"}) == {"type": "pong"}

    new = await Client.connect(server.ws_url)
    welcome, step = await new.hello(user_id=old.user_id, token=old.token)
    assert await old.close_code() == CloseCode.SUPERSEDED
    # The older connection's unsaved draft was saved before the newer one loaded the state.
    assert welcome["state"]["drafts"] == {"mode": "Car"} and step["draft"] == "Car"
    assert welcome["last_seq"] == 1
    actions = [r[0] for r in await server.rows("SELECT action FROM session_history ORDER BY id")]
    assert actions[-3:] == ["draft_saved", "superseded", "resumed"]
    # The newer connection goes on; "continue here" on the older one takes it back.
    assert (await new.answer("mode", "Car"))["ack"] == 2
    back = await Client.connect(server.ws_url)
    welcome, _ = await back.hello(user_id=old.user_id, token=old.token)
    assert welcome["last_seq"] == 2
    assert await new.close_code() == CloseCode.SUPERSEDED


async def test_a_failed_takeover_leaves_the_owner_alone(server: RunningServer) -> None:
    owner = await Client.connect(server.ws_url)
    await owner.hello()
    thief = await Client.connect(server.ws_url)
    reply = await thief.request({"type": "hello", "protocol": 1, "user_id": owner.user_id,
                                 "token": "guess"})
    assert reply["code"] == "auth_failed"
    assert (await owner.answer("intro", None))["ack"] == 1


async def test_takeover_across_processes_fences_the_older_writer(
    tmp_path: Path, database: Path | str
) -> None:
    # Two servers on one database stand for two processes (or hosts).
    first_settings = settings_for(tmp_path, db=database, autosave_interval=3600)
    second_settings = settings_for(tmp_path, db=database, autosave_interval=3600)
    async with running_server(first_settings) as first, running_server(second_settings) as second:
        old = await Client.connect(first.ws_url)
        await old.hello()
        await old.answer("intro", None)
        new = await Client.connect(second.ws_url)
        welcome, _ = await new.hello(user_id=old.user_id, token=old.token)
        assert welcome["last_seq"] == 1
        # The older connection learns at its next write at the latest (PostgreSQL tells it
        # at once): the write is refused, not applied, and it is closed 4409.
        with contextlib.suppress(ConnectionClosed):
            await old.send({"type": "answer", "seq": 2, "step": "mode", "value": "Car"})
        assert await old.close_code() == CloseCode.SUPERSEDED
        assert await first.rows("SELECT last_seq, current_step FROM sessions") == [(1, "mode")]
        assert (await new.answer("mode", "on_foot"))["ack"] == 2


async def test_an_idle_connection_learns_of_a_takeover_at_the_autosave_tick(
    tmp_path: Path,
) -> None:
    async with running_server(settings_for(tmp_path, autosave_interval=0.2)) as first, \
            running_server(settings_for(tmp_path)) as second:
        old = await Client.connect(first.ws_url)
        await old.hello()
        new = await Client.connect(second.ws_url)
        await new.hello(user_id=old.user_id, token=old.token)
        assert await old.close_code() == CloseCode.SUPERSEDED
        assert await new.request({"type": "ping"}) == {"type": "pong"}
        await wait_until(lambda: len(first.app.state.gateway.registry) == 0)


async def test_on_postgres_an_idle_connection_is_told_of_a_takeover_at_once(
    tmp_path: Path, postgres_url: str
) -> None:
    # No autosave tick for an hour: only the NOTIFY of the claim can close the older one.
    idle = settings_for(tmp_path, db=postgres_url, autosave_interval=3600)
    async with running_server(idle) as first, running_server(idle) as second:
        old = await Client.connect(first.ws_url)
        await old.hello()
        await old.answer("intro", None)
        new = await Client.connect(second.ws_url)
        await new.hello(user_id=old.user_id, token=old.token)
        assert await old.close_code() == CloseCode.SUPERSEDED
        await wait_until(lambda: len(first.app.state.gateway.registry) == 0)
        assert (await new.answer("mode", "Car"))["ack"] == 2
