"""The operators' API of OPERATORS.md through a real server: routes, status codes, shapes."""

from __future__ import annotations

from collections.abc import Awaitable
from pathlib import Path

import pytest

from tests.operators_support import ADMIN, ADMIN_KEY, admin_settings, finished, get, respondent
from tests.support import COMMUTE_ANSWERS, execute, running_server, settings_for, wait_until

# The operators' side runs on both stores.
pytestmark = pytest.mark.usefixtures("on_both_stores")

ADMIN_ROUTES = [
    "/api/surveys",
    "/api/surveys/commute/sessions",
    "/api/surveys/commute/export",
    "/api/surveys/commute/codebook",
    "/api/surveys/commute/stats",
]
FIRST_THREE = COMMUTE_ANSWERS[:3]


async def test_every_admin_route_is_404_while_admin_access_is_off(tmp_path: Path) -> None:
    async with running_server(settings_for(tmp_path)) as server:
        for path in ADMIN_ROUTES:
            response = await get(server.url, path, headers=ADMIN)
            assert response.status_code == 404, path
            assert response.json() == {"success": False, "error": "not_found"}


async def test_admin_routes_need_the_admin_key(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        for headers in ({}, {"Authorization": "Bearer wrong-key-wrong-key"},
                        {"Authorization": f"Basic {ADMIN_KEY}"}):
            for path in ADMIN_ROUTES:
                response = await get(server.url, path, headers=headers)
                assert response.status_code == 401, (path, headers)
                assert response.json() == {"success": False, "error": "unauthorized"}
                assert response.headers["cache-control"] == "no-store"


async def test_an_unknown_survey_is_404(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        for path in ADMIN_ROUTES[1:]:
            response = await get(server.url, path.replace("commute", "nope"), headers=ADMIN)
            assert response.status_code == 404
            assert response.json() == {"success": False, "error": "not_found"}


async def test_surveys_are_listed_with_their_counts(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        await finished(server.ws_url, COMMUTE_ANSWERS)
        await finished(server.ws_url, FIRST_THREE)
        await finished(server.ws_url, [])
        response = await get(server.url, "/api/surveys", headers=ADMIN)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {"surveys": [{
        "id": "commute", "title": "How you get to work", "version": 1, "access": "open",
        "opens_at": None, "closes_at": None,
        "sessions": {"total": 3, "in_progress": 2, "completed": 1, "invited": 0, "expired": 0},
    }]}


async def test_idle_sessions_past_their_lifetime_count_as_expired(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path, session_ttl=3600)) as server:
        old = await finished(server.ws_url, FIRST_THREE)
        done = await finished(server.ws_url, COMMUTE_ANSWERS)
        await finished(server.ws_url, FIRST_THREE)
        await execute(server.settings.db,  # two days idle
                      "UPDATE sessions SET updated_at = '2000-01-01T00:00:00.000Z' "
                      f"WHERE user_id IN ('{old}', '{done}')")
        surveys = (await get(server.url, "/api/surveys", headers=ADMIN)).json()
        expired = (await get(server.url, "/api/surveys/commute/sessions?status=expired",
                             headers=ADMIN)).json()
    assert surveys["surveys"][0]["sessions"] == {
        "total": 3, "in_progress": 1, "completed": 1, "invited": 0, "expired": 1}
    assert [s["user_id"] for s in expired["sessions"]] == [old]
    assert expired["sessions"][0]["status"] == "expired"


async def test_a_page_of_sessions_shows_each_session(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        done = await finished(server.ws_url, COMMUTE_ANSWERS)
        partway = await respondent(server.ws_url, FIRST_THREE)
        await partway.request({"type": "set_audio_mode", "seq": partway.next_seq(),
                               "enabled": True})
        response = await get(server.url, "/api/surveys/commute/sessions", headers=ADMIN)
        await partway.close()
    body = response.json()
    assert body["next"] is None
    first, second = body["sessions"]
    assert first["user_id"] == done and second["user_id"] == partway.user_id
    assert set(first) == {"user_id", "status", "current_step", "percent", "is_audio_mode",
                          "language", "created_at", "updated_at", "completed_at"}
    assert (first["status"], first["current_step"], first["percent"]) == ("completed", "end", 100)
    assert first["completed_at"] is not None and first["language"] == "en"
    # intro, mode, transport answered; minutes, satisfaction and change expected (the
    # undecided yes/no takes its last rule, to the end): 3 of 6, as the respondent was shown.
    assert (second["status"], second["current_step"]) == ("in_progress", "minutes")
    assert second["percent"] == 50 and second["is_audio_mode"] is True
    assert second["completed_at"] is None


async def test_status_filters_the_sessions(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        done = await finished(server.ws_url, COMMUTE_ANSWERS)
        partway = await finished(server.ws_url, FIRST_THREE)
        found = {}
        for status in ("completed", "in_progress", "invited", "expired", "all"):
            response = await get(server.url, f"/api/surveys/commute/sessions?status={status}",
                                 headers=ADMIN)
            found[status] = [s["user_id"] for s in response.json()["sessions"]]
    assert found == {"completed": [done], "in_progress": [partway], "invited": [],
                     "expired": [], "all": [done, partway]}


async def test_pages_cover_every_session_once_while_new_ones_arrive(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        created = [await finished(server.ws_url, []) for _ in range(7)]
        seen: list[str] = []
        cursor = None
        pages = 0
        while True:
            query = "?limit=3" + (f"&after={cursor}" if cursor else "")
            body = (await get(server.url, f"/api/surveys/commute/sessions{query}",
                              headers=ADMIN)).json()
            seen.extend(s["user_id"] for s in body["sessions"])
            pages += 1
            if pages <= 2:  # respondents keep arriving while the operator pages through
                created.append(await finished(server.ws_url, []))
            cursor = body["next"]
            if cursor is None:
                break
        in_order = [r[0] for r in await server.rows(
            "SELECT user_id FROM sessions ORDER BY created_at, user_id")]
    assert seen == in_order
    assert sorted(seen) == sorted(created) and len(set(seen)) == 9


@pytest.mark.parametrize("query, parameter", [
    ("limit=0", "limit"), ("limit=1001", "limit"), ("limit=ten", "limit"), ("limit=-1", "limit"),
    ("status=done", "status"), ("after=abc", "after"), ("after=eyJ4IjoxfQ.AAAA", "after"),
])
async def test_bad_list_parameters_are_400_naming_the_parameter(
    tmp_path: Path, query: str, parameter: str
) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        response = await get(server.url, f"/api/surveys/commute/sessions?{query}",
                             headers=ADMIN)
    assert response.status_code == 400
    body = response.json()
    assert (body["success"], body["error"]) == (False, "bad_request")
    assert parameter in body["message"]


async def test_a_cursor_from_another_list_is_refused(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        for _ in range(3):
            await finished(server.ws_url, [])
        body = (await get(server.url, "/api/surveys/commute/sessions?limit=1&status=all",
                          headers=ADMIN)).json()
        other = await get(server.url,
                          f"/api/surveys/commute/sessions?status=completed&after={body['next']}",
                          headers=ADMIN)
    assert other.status_code == 400 and "after" in other.json()["message"]


@pytest.mark.parametrize("query, parameter", [
    ("format=xlsx", "format"), ("status=in_progress", "status"), ("excel=yes", "excel"),
])
async def test_bad_export_parameters_are_400(tmp_path: Path, query: str, parameter: str) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        response = await get(server.url, f"/api/surveys/commute/export?{query}", headers=ADMIN)
    assert response.status_code == 400
    assert parameter in response.json()["message"]


async def test_history_opens_for_the_admin_and_for_the_sessions_own_token(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        client = await respondent(server.ws_url, FIRST_THREE)
        await client.back()
        await client.close()
        other = await respondent(server.ws_url, [])
        await other.close()
        path = f"/api/session/{client.user_id}/history"
        as_admin = await get(server.url, path, headers=ADMIN)
        as_owner = await get(server.url, path, headers={"Authorization": f"Bearer {client.token}"})
        as_other = await get(server.url, path, headers={"Authorization": f"Bearer {other.token}"})
        anonymous = await get(server.url, path)
        unknown = await get(server.url, "/api/session/nobody/history", headers=ADMIN)
        unknown_token = await get(server.url, "/api/session/nobody/history",
                                  headers={"Authorization": f"Bearer {client.token}"})
    assert as_admin.status_code == 200 and as_admin.json() == as_owner.json()
    history = as_admin.json()["history"]
    assert as_admin.json()["success"] is True
    assert [h["action"] for h in history] == [
        "created", "answer", "answer", "answer", "back", "disconnected"]
    assert set(history[0]) == {"id", "action", "step", "answer", "seq", "timestamp"}
    assert [h["seq"] for h in history[1:5]] == [1, 2, 3, 4]
    assert history[3]["step"] == "transport" and history[3]["answer"] == {"value": ["Bus", "Metro"]}
    assert [h["id"] for h in history] == sorted(h["id"] for h in history)
    for refused in (as_other, anonymous, unknown_token):
        assert refused.status_code == 401
        assert refused.json() == {"success": False, "error": "unauthorized"}
    assert unknown.status_code == 404


async def test_history_opens_with_the_token_while_admin_access_is_off(tmp_path: Path) -> None:
    async with running_server(settings_for(tmp_path)) as server:
        client = await respondent(server.ws_url, FIRST_THREE)
        await client.close()
        path = f"/api/session/{client.user_id}/history"
        own = await get(server.url, path, headers={"Authorization": f"Bearer {client.token}"})
        admin = await get(server.url, path, headers=ADMIN)
    assert own.status_code == 200 and len(own.json()["history"]) == 5
    assert admin.status_code == 401


async def test_the_codebook_lists_every_export_column(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        response = await get(server.url, "/api/surveys/commute/codebook", headers=ADMIN)
    columns = response.json()["columns"]
    assert [c["name"] for c in columns] == [
        "user_id", "status", "created_at", "completed_at", "duration_seconds",
        "survey_version", "language", "is_audio_mode", "mode", "transport.Bus",
        "transport.Tram", "transport.Metro", "transport.Train", "transport.Ferry", "minutes",
        "remote_days", "satisfaction", "change", "change_why"]
    assert columns[2] == {"name": "created_at", "step": None, "type": "datetime",
                          "prompt": None, "option": None, "label": None}
    assert [c["type"] for c in columns[:8]] == [
        "text", "text", "datetime", "datetime", "number", "number", "text", "boolean"]
    assert columns[9] == {"name": "transport.Bus", "step": "transport", "type": "multi_choice",
                          "prompt": "Which do you use? Choose all that apply.",
                          "option": "Bus", "label": "Bus"}
    assert columns[8]["prompt"] == "How do you usually get to work?"
    assert columns[8]["option"] is None


async def test_admin_reads_of_respondent_data_are_audited(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        user = await finished(server.ws_url, COMMUTE_ANSWERS)
        await finished(server.ws_url, FIRST_THREE)
        await get(server.url, "/api/surveys/commute/sessions", headers=ADMIN)
        await get(server.url, f"/api/session/{user}/history", headers=ADMIN)
        await get(server.url, f"/api/session/{user}", headers=ADMIN)
        await get(server.url, "/api/surveys/commute/export?status=all", headers=ADMIN)

        async def audit() -> list[tuple[object, ...]]:
            return await server.rows(
                "SELECT action, survey_id, user_id, rows FROM admin_log ORDER BY id")

        # The export's row is written once the stream ends.
        await wait_until(lambda: _at_least(audit(), 4))
        rows = await audit()
    assert rows == [
        ("list_sessions", "commute", None, 2),
        ("read_history", "commute", user, 10),
        ("read_session", "commute", user, 1),
        ("export_csv", "commute", None, 2),
    ]


async def test_a_limit_in_other_digits_is_400_not_a_crash(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        response = await get(server.url, "/api/surveys/commute/sessions?limit=²", headers=ADMIN)
    assert response.status_code == 400 and "limit" in response.json()["message"]


async def test_a_change_made_with_the_console_cookie_needs_this_servers_origin(
    tmp_path: Path,
) -> None:
    import httpx

    from server.operators.auth import COOKIE_NAME, signed_in_cookie

    async with running_server(admin_settings(tmp_path)) as server:
        cookies = {COOKIE_NAME: signed_in_cookie(ADMIN_KEY)}
        path = "/api/surveys/commute/invitations"
        async with httpx.AsyncClient(base_url=server.url, cookies=cookies) as http:
            foreign = await http.post(path, json={"count": 1},
                                      headers={"Origin": "https://evil.example.org"})
            missing = await http.post(path, json={"count": 1})
            plain = await http.post(path, content=b'{"count": 1}',
                                    headers={"Origin": server.url, "Content-Type": "text/plain"})
            own = await http.post(path, json={"count": 1}, headers={"Origin": server.url})
        async with httpx.AsyncClient(base_url=server.url) as http:
            bearer = await http.post(path, json={"count": 1}, headers=ADMIN)
    assert foreign.status_code == missing.status_code == 403
    assert foreign.json()["error"] == "forbidden"
    assert plain.status_code == 400 and "application/json" in plain.json()["message"]
    assert own.status_code == 201 and bearer.status_code == 201


async def _at_least(rows: Awaitable[list[tuple[object, ...]]], count: int) -> bool:
    return len(await rows) >= count
