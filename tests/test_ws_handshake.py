"""The handshake: new sessions, panel ids, resumes, tokens, surveys, order of checks."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.protocol import CloseCode
from tests.support import Client, RunningServer, running_server, settings_for, write_survey
from tests.test_survey_loader import SPEC_EXAMPLE


@pytest.fixture
async def server(tmp_path: Path, database: Path | str) -> AsyncIterator[RunningServer]:
    """These scenarios run on both stores."""
    async with running_server(settings_for(tmp_path, db=database)) as running:
        yield running


async def test_a_new_session_gets_a_random_id_and_a_token(server: RunningServer) -> None:
    client = await Client.connect(server.ws_url)
    welcome, step = await client.hello()
    assert welcome["protocol"] == 1 and welcome["resumed"] is False
    assert re.fullmatch(r"[0-9a-f]{32}", welcome["user_id"])  # 128 random bits
    assert len(welcome["token"]) >= 32
    assert welcome["survey"] == {"id": "commute", "title": "How you get to work", "version": 1}
    assert welcome["state"] == {"current_step": "intro", "answers": {}, "step_history": [],
                                "is_audio_mode": False, "language": "en", "completed": False,
                                "drafts": {}}
    assert welcome["last_seq"] == 0
    assert step["type"] == "step" and step["ack"] is None and step["step"]["id"] == "intro"
    assert step["can_go_back"] is False
    [(token_hash,)] = await server.rows("SELECT token_hash FROM sessions")
    assert welcome["token"] not in token_hash  # only a hash is stored


async def test_a_panel_id_creates_that_session_and_resumes_with_its_token(
    server: RunningServer,
) -> None:
    first = await Client.connect(server.ws_url)
    welcome, _ = await first.hello(user_id="panel-42", token="ignored-for-a-new-id")
    assert welcome["user_id"] == "panel-42" and welcome["resumed"] is False
    token = welcome["token"]
    assert token != "ignored-for-a-new-id"
    await first.answer("intro", None)
    await first.close()

    again = await Client.connect(server.ws_url)
    welcome, step = await again.hello(user_id="panel-42", token=token)
    assert welcome["resumed"] is True and "token" not in welcome
    assert welcome["last_seq"] == 1 and welcome["state"]["step_history"] == ["intro"]
    assert step["step"]["id"] == "mode" and step["ack"] is None


@pytest.mark.parametrize("token", [None, "wrong", ""])
async def test_a_wrong_or_missing_token_is_refused_without_revealing_anything(
    server: RunningServer, token: str | None
) -> None:
    owner = await Client.connect(server.ws_url)
    await owner.hello(user_id="secret-1")
    await owner.answer("intro", None)
    intruder = await Client.connect(server.ws_url)
    fields = {"user_id": "secret-1"} | ({"token": token} if token is not None else {})
    reply = await intruder.request({"type": "hello", "protocol": 1, **fields})
    assert reply["code"] == "auth_failed" and reply["ack"] is None
    assert "intro" not in str(reply) and "commute" not in str(reply)
    assert await intruder.close_code() == CloseCode.AUTH_FAILED
    # The rightful connection was not disturbed.
    assert (await owner.request({"type": "ping"})) == {"type": "pong"}


@pytest.mark.parametrize(
    "user_id", ["", "has space", "x" * 129, "tab\t", "ümlaut", 42, "line\n"]
)
async def test_an_invalid_user_id_closes_with_4400(server: RunningServer, user_id: object) -> None:
    client = await Client.connect(server.ws_url)
    reply = await client.request({"type": "hello", "protocol": 1, "user_id": user_id})
    assert reply["code"] == "invalid_user_id"
    assert await client.close_code() == CloseCode.BAD_HANDSHAKE


async def test_null_user_id_counts_as_omitted(server: RunningServer) -> None:
    client = await Client.connect(server.ws_url)
    welcome, _ = await client.hello(user_id=None)
    assert welcome["resumed"] is False and len(welcome["user_id"]) == 32


@pytest.mark.parametrize("protocol", [None, 2, "1", True])
async def test_a_missing_or_unsupported_protocol_closes_with_4400(
    server: RunningServer, protocol: object
) -> None:
    client = await Client.connect(server.ws_url)
    hello = {"type": "hello"} | ({"protocol": protocol} if protocol is not None else {})
    reply = await client.request(hello)
    assert reply["code"] == "bad_message" and reply["field"] == "protocol"
    assert await client.close_code() == CloseCode.BAD_HANDSHAKE


async def test_checks_run_in_order_shape_then_user_id_then_survey(server: RunningServer) -> None:
    client = await Client.connect(server.ws_url)
    reply = await client.request({"type": "hello", "protocol": 1, "user_id": "bad id",
                                  "survey": "nope"})
    assert reply["code"] == "invalid_user_id"
    client = await Client.connect(server.ws_url)
    reply = await client.request({"type": "hello", "user_id": "bad id"})
    assert reply["code"] == "bad_message"


async def test_an_unknown_survey_closes_with_4404(server: RunningServer) -> None:
    client = await Client.connect(server.ws_url)
    reply = await client.request({"type": "hello", "protocol": 1, "survey": "nope"})
    assert reply["code"] == "unknown_survey"
    assert await client.close_code() == CloseCode.UNKNOWN_SURVEY


async def test_several_surveys_without_a_default(tmp_path: Path) -> None:
    surveys = tmp_path / "surveys"
    write_survey(surveys, {**SPEC_EXAMPLE, "default": False})
    write_survey(surveys, {**SPEC_EXAMPLE, "id": "second", "default": False})
    async with running_server(settings_for(tmp_path, surveys=surveys)) as server:
        client = await Client.connect(server.ws_url)
        reply = await client.request({"type": "hello", "protocol": 1})
        assert reply["code"] == "unknown_survey"
        assert await client.close_code() == CloseCode.UNKNOWN_SURVEY
        client = await Client.connect(server.ws_url)
        welcome, step = await client.hello(survey="second")
        assert welcome["survey"]["id"] == "second" and step["step"]["id"] == "S1"


async def test_a_resume_uses_the_sessions_own_survey(tmp_path: Path) -> None:
    surveys = tmp_path / "surveys"
    write_survey(surveys, {**SPEC_EXAMPLE, "default": True})
    write_survey(surveys, {**SPEC_EXAMPLE, "id": "second", "default": False})
    async with running_server(settings_for(tmp_path, surveys=surveys)) as server:
        client = await Client.connect(server.ws_url)
        welcome, _ = await client.hello(survey="second")
        await client.close()
        client = await Client.connect(server.ws_url)
        welcome, _ = await client.hello(user_id=welcome["user_id"], token=welcome["token"],
                                        survey="product-feedback")
        assert welcome["survey"]["id"] == "second"


async def test_messages_before_hello(server: RunningServer) -> None:
    client = await Client.connect(server.ws_url)
    reply = await client.request({"type": "answer", "seq": 1, "step": "intro", "value": None})
    assert reply["code"] == "hello_required" and reply["ack"] is None
    assert (await client.request({"type": "ping"}))["code"] == "hello_required"
    assert (await client.request("not json"))["code"] == "bad_json"
    welcome, _ = await client.hello()  # still welcome after protocol errors
    assert (await client.request({"type": "hello", "protocol": 1}))["code"] == "already_hello"


async def test_a_changed_survey_moves_the_session_and_records_it(tmp_path: Path) -> None:
    surveys = tmp_path / "surveys"
    write_survey(surveys, SPEC_EXAMPLE)
    settings = settings_for(tmp_path, surveys=surveys)
    async with running_server(settings) as server:
        client = await Client.connect(server.ws_url)
        welcome, _ = await client.hello()
        await client.answer("S1", "other")
        await client.answer("S1b", "a podcast")
        await client.close()
    changed = dict(SPEC_EXAMPLE, version=3)
    changed["steps"] = [s for s in SPEC_EXAMPLE["steps"] if s["id"] not in ("S1b", "S2")]
    changed["steps"][0] = {**changed["steps"][0], "next": "S3"}
    write_survey(surveys, changed)
    async with running_server(settings) as server:
        client = await Client.connect(server.ws_url)
        welcome, step = await client.hello(user_id=welcome["user_id"], token=welcome["token"])
        assert welcome["survey"]["version"] == 3
        assert welcome["state"]["current_step"] == "S3"
        assert welcome["state"]["answers"] == {"S1": "other"}
        assert step["step"]["id"] == "S3"
        rows = server.db().execute(
            "SELECT answer FROM session_history WHERE action = 'migrated'").fetchall()
        assert len(rows) == 1 and '"removed_steps":["S1b"]' in rows[0][0]
        data = server.db().execute("SELECT session_data, survey_version FROM sessions").fetchone()
        assert "a podcast" in data[0] and data[1] == 3
