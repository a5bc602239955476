"""GET /api/session/{user_id}, GET /healthz and the pages."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.support import Client, RunningServer, running_server, settings_for, wait_until

ADMIN_KEY = "an-admin-key-long-enough"


async def session_with_answers(server: RunningServer) -> Client:
    client = await Client.connect(server.ws_url)
    await client.hello(user_id="resp-1")
    await client.answer("intro", None)
    await client.answer("mode", "Car")
    await client.request({"type": "set_audio_mode", "seq": client.next_seq(), "enabled": True})
    return client


async def get(server: RunningServer, path: str, token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=server.url) as http:
        return await http.get(path, headers=headers)


async def test_the_session_token_opens_its_own_session(tmp_path: Path) -> None:
    async with running_server(settings_for(tmp_path, admin_key=ADMIN_KEY)) as server:
        client = await session_with_answers(server)
        response = await get(server, "/api/session/resp-1", client.token)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        body = response.json()
        assert body["success"] is True
        session = body["session"]
        assert set(session) == {"user_id", "survey_id", "current_step", "answers",
                                "step_history", "is_audio_mode", "completed", "created_at",
                                "updated_at"}
        assert session["answers"] == {"intro": None, "mode": "Car"}
        assert session["step_history"] == ["intro", "mode"]
        assert session["current_step"] == "minutes" and session["is_audio_mode"] is True
        assert session["completed"] is False and session["survey_id"] == "commute"
        iso_utc = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"
        assert re.fullmatch(iso_utc, session["created_at"])
        assert re.fullmatch(iso_utc, session["updated_at"])


async def test_without_the_right_token_it_is_401_whether_or_not_the_user_exists(
    tmp_path: Path,
) -> None:
    async with running_server(settings_for(tmp_path, admin_key=ADMIN_KEY)) as server:
        client = await session_with_answers(server)
        other = await Client.connect(server.ws_url)
        await other.hello(user_id="resp-2")
        unauthorized = {"success": False, "error": "unauthorized"}
        for path, token in [
            ("/api/session/resp-1", None),
            ("/api/session/resp-1", "wrong"),
            ("/api/session/resp-1", other.token),  # another user's token
            ("/api/session/nobody", None),
            ("/api/session/nobody", client.token),
        ]:
            response = await get(server, path, token)
            assert response.status_code == 401, (path, token)
            assert response.json() == unauthorized
        async with httpx.AsyncClient(base_url=server.url) as http:
            basic = await http.get("/api/session/resp-1", headers={"Authorization": "Basic x"})
        assert basic.status_code == 401


async def test_the_admin_key_opens_any_session_and_says_404_for_unknown(tmp_path: Path) -> None:
    async with running_server(settings_for(tmp_path, admin_key=ADMIN_KEY)) as server:
        await session_with_answers(server)
        response = await get(server, "/api/session/resp-1", ADMIN_KEY)
        assert response.status_code == 200 and response.json()["session"]["user_id"] == "resp-1"
        missing = await get(server, "/api/session/nobody", ADMIN_KEY)
        assert missing.status_code == 404
        assert missing.json() == {"success": False, "error": "not_found"}


async def test_without_an_admin_key_admin_access_is_off(server: RunningServer) -> None:
    await session_with_answers(server)
    assert (await get(server, "/api/session/resp-1", "None")).status_code == 401
    assert (await get(server, "/api/session/resp-1", "")).status_code == 401


async def test_healthz(server: RunningServer) -> None:
    response = await get(server, "/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    await server.store._reader.close()  # type: ignore[union-attr]  # the database stops answering
    response = await get(server, "/healthz")
    assert response.status_code == 503 and response.json() == {"status": "unavailable"}


async def test_the_pages(server: RunningServer) -> None:
    index = await get(server, "/")
    assert index.status_code == 200 and "How you get to work" in index.text
    assert "script-src 'self'" in index.headers["content-security-policy"]
    assert "unsafe-inline" not in index.headers["content-security-policy"]
    named = await get(server, "/s/commute")
    assert named.status_code == 200
    missing = await get(server, "/s/nope")
    assert missing.status_code == 404 and "not found" in missing.text.lower()


async def test_metrics_count_connections_and_how_writes_were_committed(tmp_path: Path) -> None:
    async with running_server(settings_for(tmp_path, admin_key=ADMIN_KEY)) as server:
        client = await session_with_answers(server)  # create + 3 saves
        idle = await Client.connect(server.ws_url)  # connected, no hello yet

        async def metrics_seen_both() -> bool:
            response = await get(server, "/api/metrics", ADMIN_KEY)
            return response.json()["connections"] == 2

        await wait_until(metrics_seen_both)
        response = await get(server, "/api/metrics", ADMIN_KEY)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        metrics = response.json()
        assert metrics["connections"] == 2 and metrics["sessions"] == 1
        writes = metrics["writes"]
        assert writes["writes"] == 4 and writes["retries"] == 0
        sizes = {int(size): count for size, count in writes["batch_sizes"].items()}
        assert sum(sizes.values()) == writes["commits"]
        assert sum(size * count for size, count in sizes.items()) == writes["writes"]
        await client.close()
        await idle.close()


async def test_metrics_are_for_the_admin_only(tmp_path: Path) -> None:
    async with running_server(settings_for(tmp_path, admin_key=ADMIN_KEY)) as server:
        client = await session_with_answers(server)
        for token in (None, client.token, "wrong-key"):
            response = await get(server, "/api/metrics", token)
            assert response.status_code == 401
            assert response.json() == {"success": False, "error": "unauthorized"}
    async with running_server(settings_for(tmp_path)) as server:  # admin access off
        assert (await get(server, "/api/metrics", ADMIN_KEY)).status_code == 404


async def test_the_root_page_without_a_default_survey_says_where_to_go(tmp_path: Path) -> None:
    from tests.support import write_survey
    from tests.test_survey_loader import SPEC_EXAMPLE

    folder = tmp_path / "surveys"
    for name in ("first", "second"):
        write_survey(folder, {**SPEC_EXAMPLE, "id": name, "default": False})
    async with running_server(settings_for(tmp_path, surveys=folder)) as server:
        index = await get(server, "/")
    assert index.status_code == 404
    assert "None" not in index.text and "/s/" in index.text
