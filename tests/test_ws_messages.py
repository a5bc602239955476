"""Messages after the handshake, over a real socket: seq, acks, errors, completion."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from server.protocol import CloseCode
from tests.support import COMMUTE_ANSWERS, Client, RunningServer, running_server, settings_for


async def started(server: RunningServer) -> Client:
    client = await Client.connect(server.ws_url)
    await client.hello()
    return client


@pytest.fixture
async def server(tmp_path: Path, database: Path | str) -> AsyncIterator[RunningServer]:
    """These scenarios run on both stores."""
    async with running_server(settings_for(tmp_path, db=database)) as running:
        yield running


async def history(server: RunningServer, user_id: str) -> list[tuple[Any, ...]]:
    assert user_id.isalnum() or "-" in user_id
    return await server.rows(
        f"SELECT action, step, seq FROM session_history WHERE user_id = '{user_id}' ORDER BY id")


async def test_a_whole_survey_with_acks_and_progress(server: RunningServer) -> None:
    client = await started(server)
    for n, (step, value) in enumerate(COMMUTE_ANSWERS, start=1):
        reply = await client.answer(step, value)
        assert reply["ack"] == n
    assert reply["type"] == "complete"
    assert reply["answers"] == dict(COMMUTE_ANSWERS)
    assert reply["message"] == "Thank you! Your answers are saved."
    [row] = await server.rows("SELECT completed_at, current_step, last_seq FROM sessions")
    assert row[0] is not None and row[1:] == ("end", len(COMMUTE_ANSWERS))


async def test_the_step_message_shape(server: RunningServer) -> None:
    client = await started(server)
    await client.answer("intro", None)
    step = await client.answer("mode", "public_transport")
    assert step == {
        "type": "step", "ack": 2,
        "step": {"id": "transport", "type": "multi_choice",
                 "prompt": "Which do you use? Choose all that apply.", "required": True,
                 "options": [{"value": v, "label": v}
                             for v in ("Bus", "Tram", "Metro", "Train", "Ferry")],
                 "min_selected": 1, "max_selected": 5},
        "answer": None, "draft": None,
        "progress": {"position": 3, "answered": 2, "estimated_total": 6, "percent": 33},
        "can_go_back": True,
    }


async def test_a_duplicate_is_acknowledged_and_applied_once(server: RunningServer) -> None:
    client = await started(server)
    await client.answer("intro", None)
    first = await client.request({"type": "answer", "seq": 2, "step": "mode", "value": "Car"})
    again = await client.request({"type": "answer", "seq": 2, "step": "mode", "value": "Car"})
    assert first == again and again["ack"] == 2
    old = await client.request({"type": "back", "seq": 1})
    assert old["type"] == "step" and old["ack"] == 1 and old["step"]["id"] == "minutes"
    assert [a for a, _, _ in (await history(server, client.user_id or ""))].count("answer") == 2


async def test_a_gap_is_refused_and_nothing_is_applied(server: RunningServer) -> None:
    client = await started(server)
    reply = await client.request({"type": "answer", "seq": 5, "step": "intro", "value": None})
    assert reply == {"type": "error", "code": "seq_gap", "message": "Expected seq 1.",
                     "ack": None, "expected": 1}
    assert (await server.rows("SELECT last_seq FROM sessions"))[0][0] == 0


@pytest.mark.parametrize(
    ("message", "code", "extra"),
    [
        ({"type": "answer", "step": "mode", "value": "Car"}, "wrong_step", {"current": "intro"}),
        ({"type": "answer", "step": "intro", "value": "x"}, "invalid_answer", {"step": "intro"}),
        ({"type": "back"}, "cannot_go_back", {}),
    ],
)
async def test_rejections_consume_their_seq(
    server: RunningServer, message: dict[str, Any], code: str, extra: dict[str, Any]
) -> None:
    client = await started(server)
    reply = await client.request({**message, "seq": 1})
    assert reply["type"] == "error" and reply["code"] == code and reply["ack"] == 1
    assert reply["message"]
    assert {k: reply[k] for k in extra} == extra
    assert (await server.rows("SELECT last_seq FROM sessions"))[0][0] == 1
    assert ("rejected", message.get("step"), 1) in (await history(server, client.user_id or ""))
    # The next seq is 2.
    assert (await client.request({"type": "answer", "seq": 2, "step": "intro",
                                  "value": None}))["ack"] == 2


async def test_back_and_audio_mode(server: RunningServer) -> None:
    client = await started(server)
    await client.answer("intro", None)
    await client.answer("mode", "Car")
    back = await client.back()
    assert back["step"]["id"] == "mode" and back["answer"] == "Car" and back["ack"] == 3
    audio = await client.request({"type": "set_audio_mode", "seq": 4, "enabled": True})
    assert audio == {"type": "audio_mode", "ack": 4, "enabled": True}
    [row] = await server.rows("SELECT is_audio_mode, step_history FROM sessions")
    assert row == (1, '["intro"]')  # PostgreSQL's True equals 1


async def test_after_completion_every_seq_message_gets_completed(server: RunningServer) -> None:
    client = await started(server)
    for step, value in COMMUTE_ANSWERS:
        await client.answer(step, value)
    for message in ({"type": "back"}, {"type": "set_audio_mode", "enabled": True},
                    {"type": "answer", "step": "end", "value": None}):
        reply = await client.request({**message, "seq": client.next_seq()})
        assert reply["code"] == "completed" and reply["ack"] == client.seq
    await client.send({"type": "draft", "step": "end", "value": "x"})
    assert await client.request({"type": "ping"}) == {"type": "pong"}
    duplicate = await client.request({"type": "back", "seq": 1})
    assert duplicate["type"] == "complete" and duplicate["ack"] == 1


@pytest.mark.parametrize(
    ("frame", "code", "field"),
    [
        ("{not json", "bad_json", None),
        ("[1, 2]", "bad_json", None),
        ('{"type": "answer", "seq": 1, "step": "intro", "value": NaN}', "bad_json", None),
        ('{"type": "answer", "seq": 1, "step": "intro", "value": 1e999}', "bad_json", None),
        ('{"seq": 1}', "bad_message", "type"),
        ('{"type": "answer", "step": "intro", "value": null}', "bad_message", "seq"),
        ('{"type": "answer", "seq": true, "step": "intro", "value": null}', "bad_message", "seq"),
        ('{"type": "answer", "seq": 0, "step": "intro", "value": null}', "bad_message", "seq"),
        ('{"type": "answer", "seq": 1.5, "step": "intro", "value": null}', "bad_message", "seq"),
        ('{"type": "answer", "seq": 1, "value": null}', "bad_message", "step"),
        ('{"type": "answer", "seq": 1, "step": "intro"}', "bad_message", "value"),
        ('{"type": "set_audio_mode", "seq": 1, "enabled": 1}', "bad_message", "enabled"),
        ('{"type": "draft", "value": "x"}', "bad_message", "step"),
        ('{"type": "teleport"}', "unknown_type", None),
        ('{"type": "voice_answer", "seq": 1, "step": "intro"}', "bad_message", "transcript"),
    ],
)
async def test_protocol_errors_consume_no_seq(
    server: RunningServer, frame: str, code: str, field: str | None
) -> None:
    client = await started(server)
    reply = await client.request(frame)
    assert reply["type"] == "error" and reply["code"] == code and reply["ack"] is None
    assert reply.get("field") == field
    ok = await client.request({"type": "answer", "seq": 1, "step": "intro", "value": None})
    assert ok["ack"] == 1


async def test_binary_frames_are_bad_json(server: RunningServer) -> None:
    client = await started(server)
    await client.ws.send(b'{"type": "ping"}')
    assert (await client.recv())["code"] == "bad_json"


async def test_twenty_protocol_errors_close_the_connection(server: RunningServer) -> None:
    client = await started(server)
    for _ in range(19):
        assert (await client.request("junk"))["code"] == "bad_json"
    await client.send("junk")
    assert await client.close_code() == CloseCode.BAD_HANDSHAKE


async def test_storage_failure_applies_nothing_and_the_resend_works(tmp_path: Path) -> None:
    async with running_server(settings_for(tmp_path, busy_timeout_ms=50)) as server:
        await storage_failure_and_resend(server)


async def storage_failure_and_resend(server: RunningServer) -> None:
    client = await started(server)
    await client.answer("intro", None)
    blocker = sqlite3.connect(server.settings.db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the database
    try:
        failed = await client.request({"type": "answer", "seq": 2, "step": "mode", "value": "Car"})
        assert failed["type"] == "error" and failed["code"] == "storage_unavailable"
        assert failed["ack"] is None
        # Nothing moved in memory: a ping still works and a gap check still expects seq 2.
        gap = await client.request({"type": "back", "seq": 3})
        assert gap["code"] == "seq_gap" and gap["expected"] == 2
    finally:
        blocker.execute("ROLLBACK")
    resent = await client.request({"type": "answer", "seq": 2, "step": "mode", "value": "Car"})
    assert resent["ack"] == 2 and resent["step"]["id"] == "minutes"
    assert [a for a, s, _ in (await history(server, client.user_id or "")) if s == "mode"] == ["answer"]


async def test_drafts_are_offered_on_resume(server: RunningServer) -> None:
    client = await started(server)
    for step, value in COMMUTE_ANSWERS[:6]:
        await client.answer(step, value)
    await client.send({"type": "draft", "step": "change_why", "value": "more buses"})
    await client.send({"type": "draft", "step": "satisfaction", "value": 3})  # not current
    assert await client.request({"type": "ping"}) == {"type": "pong"}
    await client.close()
    again = await Client.connect(server.ws_url)
    welcome, step = await again.hello(user_id=client.user_id, token=client.token)
    assert welcome["state"]["drafts"] == {"change_why": "more buses"}
    assert step["draft"] == "more buses"


async def test_a_draft_too_long_is_bad_message(server: RunningServer) -> None:
    client = await started(server)
    for step, value in COMMUTE_ANSWERS[:6]:
        await client.answer(step, value)
    reply = await client.request({"type": "draft", "step": "change_why", "value": "x" * 501})
    assert reply["code"] == "bad_message" and reply["field"] == "value"
