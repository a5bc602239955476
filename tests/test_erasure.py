"""Erasure (OPERATORS.md): by API and command, live connection closed 4410, nothing left
on disk, and the audit row that says it was done."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from tests.operators_support import ADMIN, admin_settings
from tests.support import PROJECT_ROOT, Client, running_server, wait_until

CANARY = "erase-me-canary-7f3a9c"
GONE = 4410


def _raw_bytes(db: Path) -> bytes:
    data = b""
    for suffix in ("", "-wal"):
        path = Path(f"{db}{suffix}")
        if path.exists():
            data += path.read_bytes()
    return data


async def _respondent_with_canary(ws_url: str, user_id: str) -> Client:
    client = await Client.connect(ws_url)
    await client.hello(user_id=user_id)
    for step, value in (("intro", None), ("mode", "Car"), ("minutes", 20),
                        ("satisfaction", 2), ("change", True)):
        await client.answer(step, value)
    # A rejected message, a draft and an answer: the canary in history, drafts and answers.
    assert (await client.answer("change_why", "x" * 3000))["code"] == "invalid_answer"
    await client.send({"type": "draft", "step": "change_why", "value": f"draft {CANARY}"})
    await client.request({"type": "ping"})
    assert (await client.answer("change_why", f"{CANARY} {'y' * 100}"))["type"] == "complete"
    return client


async def test_erasure_by_api_closes_the_live_connection_and_leaves_no_trace(
    tmp_path: Path,
) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        for n in range(5):  # neighbours on the same pages, which must survive
            other = await Client.connect(server.ws_url)
            await other.hello(user_id=f"keep-{n}")
            await other.answer("intro", None)
            await other.close()
        client = await _respondent_with_canary(server.ws_url, "P-erase")
        assert CANARY.encode() in _raw_bytes(server.settings.db)  # so the check below can fail
        async with httpx.AsyncClient(base_url=server.url) as http:
            assert (await http.delete("/api/session/P-erase")).status_code == 401
            gone = await http.delete("/api/session/P-erase", headers=ADMIN)
            reply = await client.recv()
            code = await client.close_code()
            again = await http.delete("/api/session/P-erase", headers=ADMIN)
            read = await http.get("/api/session/P-erase", headers=ADMIN)
        with server.db() as db:
            left = [db.execute(f"SELECT count(*) FROM {table} WHERE user_id = 'P-erase'"
                               ).fetchone()[0] for table in ("sessions", "session_history")]
            kept = db.execute("SELECT count(*) FROM sessions WHERE user_id LIKE 'keep-%'"
                              ).fetchone()[0]
            audit = [tuple(r) for r in db.execute(
                "SELECT action, survey_id, user_id FROM admin_log WHERE action = 'erase'")]
        raw = _raw_bytes(server.settings.db)
    assert gone.status_code == 204 and gone.content == b""
    assert reply["code"] == "session_erased" and code == GONE
    assert again.status_code == 404 and read.status_code == 404
    assert left == [0, 0] and kept == 5
    assert audit == [("erase", "commute", "P-erase")]
    assert CANARY.encode() not in raw
    assert b"P-erase" in raw  # the audit row keeps the id: the record that it was done


def _command(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "server", *args], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=60, check=False)


async def test_the_erase_command_works_beside_a_running_server(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path, autosave_interval=0.2)) as server:
        client = await _respondent_with_canary(server.ws_url, "P-cli")
        other = await Client.connect(server.ws_url)
        await other.hello(user_id="P-other")
        await other.close()
        db = str(server.settings.db)
        result = _command("erase", "P-cli", "nobody", "P-other", "--db", db)
        # The server learns at its next autosave tick that the session is gone.
        reply = await client.recv()
        code = await client.close_code()
        with server.db() as conn:
            left = conn.execute("SELECT count(*) FROM sessions").fetchone()[0]
        await wait_until(lambda: CANARY.encode() not in _raw_bytes(server.settings.db))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].endswith("no session with id(s): nobody; 2 other(s) erased")
    assert "erased P-cli" in result.stdout and "erased P-other" in result.stdout
    assert reply["code"] == "session_erased" and code == GONE
    assert left == 0
