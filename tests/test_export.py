"""Exports built from sessions made through the real protocol, checked cell by cell."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.operators_support import ADMIN, admin_settings, finished, get
from tests.support import PROJECT_ROOT, execute, query, running_server

# The operators' side runs on both stores.
pytestmark = pytest.mark.usefixtures("on_both_stores")

HEADER = [
    "user_id", "status", "created_at", "completed_at", "duration_seconds", "survey_version",
    "language", "is_audio_mode", "mode", "transport.Bus", "transport.Tram", "transport.Metro",
    "transport.Train", "transport.Ferry", "minutes", "remote_days", "satisfaction", "change",
    "change_why",
]
FORMULA = "=cmd|' /C calc'!A0"

# Public transport first (Bus and Tram), then back twice and Car instead: the transport
# answers stay stored but are off the final path, so they are never exported.
CHANGED_BRANCH = [
    ("intro", None), ("mode", "public_transport"), ("transport", ["Bus", "Tram"]),
    ("<back>", None), ("<back>", None), ("mode", "Car"), ("minutes", 20),
    ("satisfaction", 5), ("change", False),
]
# A spoken answer, a formula in a text answer, and audio mode on.
SPOKEN_AND_FORMULA = [
    ("<audio>", True), ("intro", None), ("<voice>", ("mode", "um, by bike I think")), ("minutes", 45),
    ("satisfaction", 8), ("change", True), ("change_why", FORMULA),
]
# Multi-choice, a skipped optional text (null).
MULTI_AND_SKIPPED = [
    ("intro", None), ("mode", "public_transport"), ("transport", ["Metro", "Ferry"]),
    ("minutes", 30), ("satisfaction", 10), ("change", True), ("change_why", None),
]
# Not finished: only in an export of all sessions.
PARTWAY = [("intro", None), ("mode", "remote"), ("remote_days", 3)]


def duration(created: str, completed: str) -> str:
    seconds = (datetime.fromisoformat(completed) - datetime.fromisoformat(created)).total_seconds()
    return f"{seconds:.1f}"


async def _build(ws_url: str) -> dict[str, str]:
    ids = {
        "changed": await finished(ws_url, CHANGED_BRANCH),
        "spoken": await finished(ws_url, SPOKEN_AND_FORMULA),
        "multi": await finished(ws_url, MULTI_AND_SKIPPED),
        "partway": await finished(ws_url, PARTWAY),
    }
    return ids


async def _times(db: Path | str) -> dict[str, tuple[str, str | None]]:
    return {r[0]: (r[1], r[2]) for r in await query(
        db, "SELECT user_id, created_at, completed_at FROM sessions")}


def _fixed(
    user_id: str, times: dict[str, tuple[str, str | None]], status: str, audio: str = "0"
) -> list[str]:
    created, completed = times[user_id]
    return [user_id, status, created, completed or "",
            duration(created, completed) if completed else "", "1", "en", audio]


async def test_the_csv_is_what_an_analyst_must_get(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        ids = await _build(server.ws_url)
        completed = await get(server.url, "/api/surveys/commute/export", headers=ADMIN)
        everything = await get(server.url, "/api/surveys/commute/export?format=csv&status=all",
                               headers=ADMIN)
    times = await _times(server.settings.db)
    assert completed.status_code == 200
    assert completed.headers["content-type"] == "text/csv; charset=utf-8"
    assert completed.headers["cache-control"] == "no-store"
    assert 'attachment; filename="commute-completed.csv"' == (
        completed.headers["content-disposition"])
    rows = list(csv.reader(io.StringIO(completed.content.decode("utf-8"), newline="")))
    expected_completed = [
        HEADER,
        [*_fixed(ids["changed"], times, "completed"),
         "Car", "", "", "", "", "", "20", "", "5", "0", ""],
        [*_fixed(ids["spoken"], times, "completed", audio="1"),
         "bicycle", "", "", "", "", "", "45", "", "8", "1", "'" + FORMULA],
        [*_fixed(ids["multi"], times, "completed"),
         "public_transport", "0", "0", "1", "0", "1", "30", "", "10", "1", ""],
    ]
    assert rows == expected_completed
    all_rows = list(csv.reader(io.StringIO(everything.content.decode("utf-8"), newline="")))
    assert all_rows == [*expected_completed, [
        *_fixed(ids["partway"], times, "in_progress"),
        "remote", "", "", "", "", "", "", "3", "", "", ""]]


async def test_the_csv_follows_rfc_4180_and_parses_strictly(tmp_path: Path) -> None:
    awkward = 'He said "no",\r\nthen left; ünïcödé ✓'
    async with running_server(admin_settings(tmp_path)) as server:
        await finished(server.ws_url, [*SPOKEN_AND_FORMULA[:6], ("change_why", awkward)])
        await finished(server.ws_url, MULTI_AND_SKIPPED)
        plain = (await get(server.url, "/api/surveys/commute/export", headers=ADMIN)).content
        excel = (await get(server.url, "/api/surveys/commute/export?excel=1",
                           headers=ADMIN)).content
    assert excel == b"\xef\xbb\xbf" + plain
    assert plain.endswith(b"\r\n")
    text = plain.decode("utf-8")
    # Every record ends with CRLF: outside quoted cells there is no bare LF or CR.
    outside_quotes = "".join(part for i, part in enumerate(text.split('"')) if i % 2 == 0)
    assert outside_quotes.count("\n") == outside_quotes.count("\r\n") == 3
    # As pandas' C parser reads it by default: comma, double quote, doubled quotes inside.
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=",", quotechar='"',
                           doublequote=True, strict=True))
    assert len({len(row) for row in rows}) == 1 and len(rows) == 3
    assert rows[1][-1] == awkward
    assert len(set(rows[0])) == len(rows[0])  # unique column names
    with_bom = list(csv.reader(io.StringIO(excel.decode("utf-8-sig"), newline="")))
    assert with_bom == rows


async def test_jsonl_has_json_types_and_the_final_path(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        ids = await _build(server.ws_url)
        response = await get(server.url, "/api/surveys/commute/export?format=jsonl&status=all",
                             headers=ADMIN)
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = response.text.split("\n")
    assert lines[-1] == ""
    objects = [json.loads(line) for line in lines[:-1]]
    by_id = {o["user_id"]: o for o in objects}
    changed = by_id[ids["changed"]]
    assert set(changed) == {"user_id", "status", "created_at", "completed_at",
                            "duration_seconds", "survey_version", "language", "is_audio_mode",
                            "answers"}
    assert changed["survey_version"] == 1 and changed["is_audio_mode"] is False
    assert by_id[ids["spoken"]]["is_audio_mode"] is True
    assert isinstance(changed["duration_seconds"], float)
    assert changed["answers"] == {"intro": None, "mode": "Car", "minutes": 20,
                                  "satisfaction": 5, "change": False}
    assert by_id[ids["multi"]]["answers"]["change_why"] is None
    assert by_id[ids["multi"]]["answers"]["transport"] == ["Metro", "Ferry"]
    assert by_id[ids["spoken"]]["answers"]["change_why"] == FORMULA  # no guard outside CSV
    partway = by_id[ids["partway"]]
    assert partway["status"] == "in_progress"
    assert partway["completed_at"] is None and partway["duration_seconds"] is None
    assert partway["answers"] == {"intro": None, "mode": "remote", "remote_days": 3}
    assert [o["user_id"] for o in objects] == list(ids.values())


def _cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "server", *args], cwd=PROJECT_ROOT,
                          capture_output=True, timeout=60, check=False)


async def test_the_export_command_writes_what_http_sends(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        await _build(server.ws_url)
        over_http: dict[str, bytes] = {}
        for fmt in ("csv", "jsonl"):
            over_http[fmt] = (await get(server.url,
                                        f"/api/surveys/commute/export?format={fmt}&status=all",
                                        headers=ADMIN)).content
        stats_http = (await get(server.url, "/api/surveys/commute/stats", headers=ADMIN)).json()
        # While the server is still running on the same database.
        db = str(server.settings.db)
        to_stdout = _cli("export", "commute", "--status", "all", "--db", db)
        out = tmp_path / "out.jsonl"
        to_file = _cli("export", "commute", "--format", "jsonl", "--status", "all",
                       "--out", str(out), "--db", db)
        stats = _cli("stats", "commute", "--db", db)
    assert to_stdout.returncode == 0, to_stdout.stderr
    assert to_stdout.stdout == over_http["csv"]
    assert to_file.returncode == 0 and out.read_bytes() == over_http["jsonl"]
    assert stats.returncode == 0 and json.loads(stats.stdout) == stats_http


def test_the_commands_fail_in_one_line(tmp_path: Path) -> None:
    missing = _cli("export", "commute", "--db", str(tmp_path / "none.db"))
    assert missing.returncode != 0
    assert missing.stderr.decode().strip().count("\n") == 0
    assert "no database" in missing.stderr.decode()
    assert not (tmp_path / "none.db").exists()


async def test_an_unknown_survey_on_the_command_line_is_one_line(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        await _build(server.ws_url)
    result = _cli("stats", "nope", "--db", str(server.settings.db))
    lines: list[Any] = result.stderr.decode().strip().splitlines()
    assert result.returncode != 0 and len(lines) == 1 and "nope" in lines[0]


def test_a_damaged_database_is_one_line_for_the_commands_too(tmp_path: Path) -> None:
    db = tmp_path / "damaged.db"
    db.write_bytes(b"this is not a database at all" * 100)
    before = db.read_bytes()
    result = _cli("stats", "commute", "--db", str(db))
    lines = result.stderr.decode().strip().splitlines()
    assert result.returncode != 0 and len(lines) == 1, result.stderr
    assert str(db) in lines[0]
    assert db.read_bytes() == before


async def test_answers_to_steps_removed_since_are_never_exported(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        user = await finished(server.ws_url, MULTI_AND_SKIPPED)
        # As if "old_question" had been answered on an older version of the survey.
        if isinstance(server.settings.db, Path):
            await execute(server.settings.db, (
                "UPDATE sessions SET step_history = json_insert(step_history, '$[#]',"
                " 'old_question'), answers = json_set(answers, '$.old_question', "
                f"'secret') WHERE user_id = '{user}'"))
        else:
            await execute(server.settings.db, (
                "UPDATE sessions SET step_history = (step_history::jsonb || "
                "'[\"old_question\"]')::json, answers = (answers::jsonb || "
                f"'{{\"old_question\": \"secret\"}}')::json WHERE user_id = '{user}'"))
        jsonl = await get(server.url, "/api/surveys/commute/export?format=jsonl", headers=ADMIN)
        csv_text = await get(server.url, "/api/surveys/commute/export", headers=ADMIN)
    assert "old_question" not in jsonl.text and "secret" not in jsonl.text
    assert "secret" not in csv_text.text
