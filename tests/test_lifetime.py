"""The survey's window, the session lifetime and the new-session limit, through a real server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from server.clock import utc_now
from tests.lifecycle_support import refused, small_survey, surveys_dir
from tests.operators_support import ADMIN, admin_settings
from tests.support import Client, running_server, settings_for, wait_until

GONE = 4410


def _iso(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).isoformat(timespec="seconds")


async def test_outside_the_window_every_hello_is_survey_closed(tmp_path: Path) -> None:
    for name, window in (("early", {"opens_at": _iso(timedelta(days=1))}),
                         ("late", {"closes_at": _iso(timedelta(days=-1))})):
        directory = surveys_dir(tmp_path / name, small_survey(**window))
        async with running_server(settings_for(tmp_path / name, surveys=directory)) as server:
            for hello in ({}, {"user_id": "P-1"}, {"user_id": "P-1", "token": "x"}):
                reply, code = await refused(server.ws_url, **hello)
                assert (reply["code"], code) == ("survey_closed", GONE), (name, hello)
                assert reply["message"]


async def test_a_live_connection_is_closed_at_its_next_message_once_the_survey_closes(
    tmp_path: Path,
) -> None:
    closes = datetime.now(UTC) + timedelta(seconds=2)
    directory = surveys_dir(tmp_path, small_survey(closes_at=closes.isoformat()))
    async with running_server(settings_for(tmp_path, surveys=directory)) as server:
        client = await Client.connect(server.ws_url)
        await client.hello()
        assert (await client.answer("colour", "Red"))["step"]["id"] == "why"
        closes_text = closes.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        await wait_until(lambda: utc_now() >= closes_text, timeout=10)
        reply = await client.answer("why", "too late")
        code = await client.close_code()
        with server.db() as db:
            answers = db.execute("SELECT answers FROM sessions").fetchone()[0]
    assert reply["code"] == "survey_closed" and code == GONE
    assert "too late" not in answers


async def test_an_idle_unfinished_session_expires_and_a_finished_one_does_not(
    tmp_path: Path,
) -> None:
    async with running_server(admin_settings(tmp_path, session_ttl=3600)) as server:
        idle = await Client.connect(server.ws_url)
        await idle.hello()
        await idle.answer("intro", None)
        await idle.close()
        done = await Client.connect(server.ws_url)
        await done.hello(user_id="finished-one")
        for step, value in (("intro", None), ("mode", "Car"), ("minutes", 5),
                            ("satisfaction", 3), ("change", False)):
            last = await done.answer(step, value)
        assert last["type"] == "complete"
        await done.close()
        two_hours_ago = _iso(timedelta(hours=-2)).replace("+00:00", ".000Z")
        with server.db() as db:
            db.execute("UPDATE sessions SET updated_at = ?", (two_hours_ago,))
            db.commit()
        reply, code = await refused(server.ws_url, user_id=idle.user_id, token=idle.token)
        # The rightful holder learns it expired; anyone else learns nothing new.
        stranger, stranger_code = await refused(server.ws_url, user_id=idle.user_id, token="x")
        again = await Client.connect(server.ws_url)
        _, shown = await again.hello(user_id="finished-one", token=done.token)
        await again.close()
        async with httpx.AsyncClient(base_url=server.url, headers=ADMIN) as http:
            listed = await http.get("/api/surveys/commute/sessions?status=expired")
    assert (reply["code"], code) == ("session_expired", GONE)
    assert (stranger["code"], stranger_code) == ("auth_failed", 4401)
    assert shown["type"] == "complete"
    assert [s["user_id"] for s in listed.json()["sessions"]] == [idle.user_id]


async def test_new_sessions_per_address_are_limited_per_minute(tmp_path: Path) -> None:
    async with running_server(settings_for(tmp_path, new_sessions_per_minute=3)) as server:
        made = []
        for _ in range(3):
            client = await Client.connect(server.ws_url)
            await client.hello()
            made.append(client)
            await client.close()
        reply, code = await refused(server.ws_url)
        panel, panel_code = await refused(server.ws_url, user_id="P-77")
        # Resuming is not a new session: still allowed.
        back = await Client.connect(server.ws_url)
        welcome, _ = await back.hello(user_id=made[0].user_id, token=made[0].token)
        await back.close()
        with server.db() as db:
            count = db.execute("SELECT count(*) FROM sessions").fetchone()[0]
    assert (reply["code"], code) == ("rate_limited", 4429)
    assert (panel["code"], panel_code) == ("rate_limited", 4429)
    assert welcome["resumed"] and count == 3
