"""Who may take part (OPERATORS.md: Access) through a real server: open, link and invited."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from server.access import link_signature
from tests.lifecycle_support import LINK_SECRET, refused, small_survey, surveys_dir
from tests.operators_support import ADMIN, admin_settings
from tests.support import PROJECT_ROOT, Client, running_server

NOT_INVITED = 4403


def _settings(tmp_path: Path, **survey_fields: object) -> object:
    return admin_settings(tmp_path, surveys=surveys_dir(tmp_path, small_survey(**survey_fields)),
                          link_secret=LINK_SECRET)


async def test_a_link_survey_opens_only_with_a_valid_signature(tmp_path: Path) -> None:
    async with running_server(_settings(tmp_path, access="link")) as server:
        good = link_signature(LINK_SECRET, "study", "P-123")
        refusals = [
            await refused(server.ws_url),
            await refused(server.ws_url, user_id="P-123"),
            await refused(server.ws_url, user_id="P-123", sig=good[:-2] + "AA"),
            await refused(server.ws_url, user_id="P-124", sig=good),
            await refused(server.ws_url, user_id="P-123",
                          sig=link_signature("another-secret-0123456789", "study", "P-123")),
        ]
        client = await Client.connect(server.ws_url)
        welcome, step = await client.hello(user_id="P-123", sig=good)
        assert welcome["user_id"] == "P-123" and not welcome["resumed"]
        assert step["step"]["id"] == "colour"
        assert (await client.answer("colour", "Blue"))["step"]["id"] == "why"
        await client.close()
        # The signed link opens its session again, on another device, without the token.
        other = await Client.connect(server.ws_url)
        welcome, step = await other.hello(user_id="P-123", sig=good)
        assert welcome["resumed"] and step["step"]["id"] == "why"
        await other.close()
        # An existing id with a wrong token and no signature: the same refusal as the rest.
        refusals.append(await refused(server.ws_url, user_id="P-123", token="guess"))
    first = refusals[0]
    assert first[0]["code"] == "not_invited" and first[1] == NOT_INVITED
    assert all(r == first for r in refusals), refusals


async def test_an_invited_survey_opens_only_for_invitations(tmp_path: Path) -> None:
    async with running_server(_settings(tmp_path, access="invited")) as server:
        async with httpx.AsyncClient(base_url=server.url, headers=ADMIN) as http:
            made = await http.post("/api/surveys/study/invitations",
                                   json={"user_ids": ["P-1", "P-2"]})
            assert made.status_code == 201, made.text
            invitations = made.json()["invitations"]
            assert [i["user_id"] for i in invitations] == ["P-1", "P-2"]
            listed = await http.get("/api/surveys/study/sessions?status=invited")
            assert [s["user_id"] for s in listed.json()["sessions"]] == ["P-1", "P-2"]
        first = invitations[0]
        assert first["link"] == f"{server.url}/s/study#u=P-1&t={first['token']}"
        refusals = [
            await refused(server.ws_url),
            await refused(server.ws_url, user_id="P-3"),
            await refused(server.ws_url, user_id="P-1"),
            await refused(server.ws_url, user_id="P-1", token=invitations[1]["token"]),
            await refused(server.ws_url, user_id="P-1", sig=link_signature(LINK_SECRET, "study",
                                                                           "P-1")),
        ]
        client = await Client.connect(server.ws_url)
        welcome, step = await client.hello(user_id="P-1", token=first["token"])
        assert welcome["user_id"] == "P-1" and step["step"]["id"] == "colour"
        await client.answer("colour", "Red")
        await client.close()
        async with httpx.AsyncClient(base_url=server.url, headers=ADMIN) as http:
            listed = await http.get("/api/surveys/study/sessions?status=invited")
            assert [s["user_id"] for s in listed.json()["sessions"]] == ["P-2"]
    assert refusals[0][0]["code"] == "not_invited" and refusals[0][1] == NOT_INVITED
    assert all(r == refusals[0] for r in refusals), refusals


async def test_an_open_survey_still_creates_panel_ids_and_says_auth_failed(
    tmp_path: Path,
) -> None:
    async with running_server(_settings(tmp_path)) as server:
        client = await Client.connect(server.ws_url)
        welcome, _ = await client.hello(user_id="P-9")
        assert not welcome["resumed"]
        await client.close()
        reply, code = await refused(server.ws_url, user_id="P-9", token="wrong")
    assert reply["code"] == "auth_failed" and code == 4401


async def test_invitations_by_count_and_their_refusals(tmp_path: Path) -> None:
    async with running_server(_settings(tmp_path, access="invited")) as server:
        async with httpx.AsyncClient(base_url=server.url) as http:
            path = "/api/surveys/study/invitations"
            assert (await http.post(path, json={"count": 2})).status_code == 401
            made = await http.post(path, json={"count": 3}, headers=ADMIN)
            assert made.status_code == 201
            ids = [i["user_id"] for i in made.json()["invitations"]]
            assert len(set(ids)) == 3 and all(len(i) >= 32 for i in ids)
            for body in ({"count": 0}, {"count": 10_001}, {"count": True}, {"user_ids": []},
                         {"user_ids": ["ok", "bad id"]}, {"user_ids": ["a", "a"]}, {},
                         {"count": 1, "user_ids": ["x"]}, [1]):
                bad = await http.post(path, json=body, headers=ADMIN)
                assert bad.status_code == 400, body
                assert bad.json()["error"] == "bad_request" and bad.json()["message"]
            exists = await http.post(path, json={"user_ids": ["new-1", ids[1], "new-2"]},
                                     headers=ADMIN)
            assert exists.status_code == 409
            assert exists.json() == {"success": False, "error": "exists", "user_ids": [ids[1]]}
            unknown = await http.post("/api/surveys/nope/invitations", json={"count": 1},
                                      headers=ADMIN)
            assert unknown.status_code == 404
        with server.db() as db:
            # Nothing of the refused batch was created; every batch made is audited.
            assert db.execute("SELECT count(*) FROM sessions WHERE user_id LIKE 'new-%'"
                              ).fetchone()[0] == 0
            audit = db.execute("SELECT action, survey_id, rows FROM admin_log "
                               "WHERE action = 'invite'").fetchall()
            assert [tuple(r) for r in audit] == [("invite", "study", 3)]


async def test_completion_redirect_is_filled_in_and_url_encoded(tmp_path: Path) -> None:
    redirect = "https://panel.example/done?pid={user_id}&s={survey_id}"
    settings = _settings(tmp_path, on_complete={"redirect": redirect})
    async with running_server(settings) as server:
        client = await Client.connect(server.ws_url)
        await client.hello(user_id="P 1".replace(" ", ":"))
        await client.answer("colour", "Red")
        done = await client.answer("why", None)
        await client.close()
        again = await Client.connect(server.ws_url)
        _, shown = await again.hello(user_id="P:1", token=client.token)
        await again.close()
    assert done["type"] == "complete"
    assert done["redirect"] == "https://panel.example/done?pid=P%3A1&s=study"
    assert shown["type"] == "complete" and shown["redirect"] == done["redirect"]


def test_a_link_survey_without_a_link_secret_stops_the_start_up(tmp_path: Path) -> None:
    directory = surveys_dir(tmp_path, small_survey(access="link"))
    result = subprocess.run(
        [sys.executable, "-m", "server", "serve", "--port", "0", "--surveys", str(directory),
         "--db", str(tmp_path / "x.db")],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, check=False,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2
    assert "SURVEY_LINK_SECRET is not set" in result.stderr
    assert "study" in result.stderr
