"""The server as users run it: `python -m server serve`, killed, stopped, misconfigured."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from server.protocol import CloseCode
from tests.postgres_support import free_port
from tests.support import COMMUTE_ANSWERS, PROJECT_ROOT, Client, query, start_server_process
from tests.test_survey_loader import SPEC_EXAMPLE


async def test_sigkill_right_after_an_ack_loses_nothing(database: Path | str) -> None:
    db = database
    first = start_server_process("--db", str(db))
    try:
        client = await Client.connect(first.ws_url)
        await client.hello()
        acked = 0
        for step, value in COMMUTE_ANSWERS[:4]:
            reply = await client.answer(step, value)
            acked = reply["ack"]
        first.process.kill()  # at once, with the last ack just received
    finally:
        first.kill()
    [(last_seq, answers)] = await query(db, "SELECT last_seq, answers FROM sessions")
    assert last_seq == acked == 4
    assert json.loads(answers) == dict(COMMUTE_ANSWERS[:4])

    second = start_server_process("--db", str(db))
    try:
        again = await Client.connect(second.ws_url)
        welcome, step = await again.hello(user_id=client.user_id, token=client.token)
        assert welcome["last_seq"] == 4 and welcome["resumed"] is True
        assert step["step"]["id"] == COMMUTE_ANSWERS[4][0]
        # A resend of the last acknowledged answer is a duplicate, not a second answer.
        dup = await again.request({"type": "answer", "seq": 4, "step": "minutes", "value": 99})
        assert dup["ack"] == 4 and dup["step"]["id"] == "satisfaction"
        for step_id, value in COMMUTE_ANSWERS[4:]:
            reply = await again.answer(step_id, value)
        assert reply["type"] == "complete" and reply["answers"] == dict(COMMUTE_ANSWERS)
    finally:
        second.terminate()
    answered = [r[0] for r in await query(
        db, "SELECT step FROM session_history WHERE action = 'answer' ORDER BY id")]
    assert answered == [step for step, _ in COMMUTE_ANSWERS]  # each once, in order


async def test_sigterm_saves_every_session_and_closes_with_1001(database: Path | str) -> None:
    db = database
    server = start_server_process("--db", str(db), "--autosave-interval", "3600")
    clients = []
    for _ in range(3):
        client = await Client.connect(server.ws_url)
        await client.hello()
        await client.answer("intro", None)
        await client.answer("mode", "remote")
        await client.send({"type": "draft", "step": "remote_days", "value": 3})
        assert await client.request({"type": "ping"}) == {"type": "pong"}
        clients.append(client)
    assert server.terminate() == 0
    for client in clients:
        assert await client.close_code() == CloseCode.GOING_AWAY
    rows = await query(db, "SELECT session_data, owner FROM sessions")
    assert len(rows) == 3
    assert all(json.loads(data)["drafts"] == {"remote_days": 3} and owner is None
               for data, owner in rows)
    [(disconnected,)] = await query(
        db, "SELECT count(*) FROM session_history WHERE action = 'disconnected'")
    assert disconnected == 3


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "server", *args], cwd=PROJECT_ROOT, capture_output=True,
        text=True, timeout=60, env={**os.environ, **(env or {})},
    )


def test_a_broken_survey_file_stops_start_up_with_its_path_and_fault(tmp_path: Path) -> None:
    surveys = tmp_path / "surveys"
    surveys.mkdir()
    broken = json.loads(json.dumps(SPEC_EXAMPLE))
    broken["steps"][3]["max_selected"] = 9
    (surveys / "feedback.json").write_text(json.dumps(broken))
    result = run_cli("serve", "--surveys", str(surveys), "--db", str(tmp_path / "x.db"))
    assert result.returncode == 2
    assert "feedback.json: steps[3].max_selected: there are only 3 options" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.db").exists()  # nothing was started
    checked = run_cli("check", str(surveys))
    assert checked.returncode == 2 and "steps[3].max_selected" in checked.stderr


def test_bad_settings_are_named(tmp_path: Path) -> None:
    result = run_cli("serve", "--port", "http")
    assert result.returncode == 2
    assert "--port: must be a whole number, not 'http'" in result.stderr
    result = run_cli("serve", env={"SURVEY_SYNCHRONOUS": "OFF"})
    assert "SURVEY_SYNCHRONOUS: must be FULL or NORMAL" in result.stderr
    result = run_cli("serve", "--db", str(tmp_path / "missing" / "x.db"))
    assert "--db: the folder of" in result.stderr
    for result in (run_cli("serve", "--port", "http"),):
        assert "Traceback" not in result.stderr


def test_a_database_from_a_newer_server_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "future.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    result = run_cli("serve", "--db", str(db), "--port", "0")
    assert result.returncode == 2
    assert "newer than this server" in result.stderr and "Traceback" not in result.stderr


def test_check_accepts_the_bundled_survey() -> None:
    result = run_cli("check")
    assert result.returncode == 0 and "commute" in result.stderr


def test_postgres_unreachable_at_start_is_one_clear_line_and_a_failure() -> None:
    url = f"postgresql://survey:secret@127.0.0.1:{free_port()}/survey"
    result = run_cli("serve", "--db", url)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "cannot connect to PostgreSQL at 127.0.0.1:" in lines[0]
    assert "secret" not in result.stderr
