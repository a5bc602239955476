"""Logs an operator can ship: JSON lines on request, and no identifiers in access lines."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from tests.support import Client, ServerProcess, start_server_process, wait_until

SECRET_USER = "P-secret-4711"


async def visit(server: ServerProcess) -> None:
    """What a respondent and an admin tool do: a panel link, a session lookup, a socket."""
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.get(f"/s/commute?user_id={SECRET_USER}")).status_code == 200
        assert (await http.get(f"/api/session/{SECRET_USER}")).status_code == 401
        # The console's respondent page (404 here: admin access is off).
        assert (await http.get(f"/admin/sessions/{SECRET_USER}")).status_code == 404
    client = await Client.connect(server.ws_url + f"?user_id={SECRET_USER}")
    await client.hello(user_id=SECRET_USER)
    await client.close()
    await wait_until(lambda: sum("/api/session/" in line for line in server.log) >= 1
                     and sum("WebSocket" in line for line in server.log) >= 1)


async def stopped(server: ServerProcess) -> list[str]:
    assert await asyncio.to_thread(server.terminate) == 0
    return server.log


async def test_json_logs_are_one_object_per_line_uvicorn_included(tmp_path: Path) -> None:
    server = start_server_process("--db", str(tmp_path / "l.db"), "--log-format", "json")
    await visit(server)
    lines = await stopped(server)
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= entry.keys() for entry in entries)
    loggers = {entry["logger"] for entry in entries}
    assert {"uvicorn.access", "uvicorn.error", "server.runner"} <= loggers
    access = [e for e in entries if e["logger"] == "uvicorn.access"]
    assert {"path": "/s/commute", "status": 200, "method": "GET"}.items() <= access[0].items()
    assert any(e["path"] == "/api/session/-" and e["status"] == 401 for e in access)
    assert not [line for line in lines if SECRET_USER in line]


async def test_text_access_lines_leave_out_query_strings_and_user_ids(tmp_path: Path) -> None:
    server = start_server_process("--db", str(tmp_path / "l.db"))
    await visit(server)
    lines = await stopped(server)
    assert any('"GET /s/commute HTTP/1.1" 200' in line for line in lines)
    assert any('"GET /api/session/- HTTP/1.1" 401' in line for line in lines)
    assert any('"GET /admin/sessions/- HTTP/1.1" 404' in line for line in lines)
    assert any('"WebSocket /ws" [accepted]' in line for line in lines)
    assert not [line for line in lines if SECRET_USER in line]


async def test_identifiers_are_logged_when_asked_for(tmp_path: Path) -> None:
    server = start_server_process("--db", str(tmp_path / "l.db"), "--log-identifiers", "on")
    await visit(server)
    lines = await stopped(server)
    assert any(f"/s/commute?user_id={SECRET_USER}" in line for line in lines)
    assert any(f"/api/session/{SECRET_USER}" in line for line in lines)


@pytest.mark.parametrize(("flag", "value"), [("--log-format", "xml"), ("--log-identifiers", "yes")])
def test_bad_log_settings_are_named(flag: str, value: str) -> None:
    from server.settings import SettingsError, load_settings

    with pytest.raises(SettingsError, match=flag):
        load_settings({flag.lstrip("-").replace("-", "_"): value}, {})
