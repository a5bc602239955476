"""Frames an attacker (or a broken browser) sends: lone surrogates, deep nesting."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from server.protocol import CloseCode
from tests.support import COMMUTE_ANSWERS, Client, RunningServer

LONE = "\ud83d"  # the first half of an emoji, alone: what JSON.stringify writes for it


def raw(message: dict[str, Any]) -> str:
    """The frame as a browser writes it: lone surrogates as \\u escapes."""
    return json.dumps(message, ensure_ascii=True)


async def at_text_step(server: RunningServer) -> Client:
    client = await Client.connect(server.ws_url)
    await client.hello()
    for step, value in COMMUTE_ANSWERS[:-1]:
        await client.answer(step, value)
    return client


async def test_a_lone_surrogate_in_a_text_answer_is_invalid_answer(server: RunningServer) -> None:
    client = await at_text_step(server)
    seq = client.next_seq()
    frame = {"type": "answer", "seq": seq, "step": "change_why", "value": "bike " + LONE}
    await client.send(raw(frame))
    reply = await client.recv()
    assert reply["type"] == "error" and reply["code"] == "invalid_answer", reply
    assert reply["ack"] == seq and reply["step"] == "change_why"
    # The connection is still usable, and a well-formed answer is taken.
    done = await client.answer("change_why", "bike \U0001f600")
    assert done["type"] == "complete" and done["ack"] == seq + 1
    assert done["answers"]["change_why"] == "bike \U0001f600"
    rejected = server.db().execute(
        "SELECT answer FROM session_history WHERE action = 'rejected'").fetchone()
    assert json.loads(rejected["answer"])["value"] == "bike \ufffd"


@pytest.mark.parametrize("value", [LONE, [LONE], {"x": LONE}, "\udc00 low"])
async def test_a_lone_surrogate_in_any_answer_value_is_invalid_answer(
    server: RunningServer, value: Any
) -> None:
    client = await Client.connect(server.ws_url)
    await client.hello()
    await client.answer("intro", None)
    seq = client.next_seq()
    await client.send(raw({"type": "answer", "seq": seq, "step": "mode", "value": value}))
    reply = await client.recv()
    assert (reply["code"], reply["ack"]) == ("invalid_answer", seq)
    assert (await client.answer("mode", "Car"))["ack"] == seq + 1


@pytest.mark.parametrize(
    ("frame", "field"),
    [
        ({"type": "draft", "step": "change_why", "value": "half " + LONE}, "value"),
        ({"type": "draft", "step": LONE, "value": "x"}, "step"),
        ({"type": "voice_answer", "seq": 7, "step": "change_why", "transcript": LONE}, "transcript"),
        ({"type": "answer", "seq": 7, "step": "change_why" + LONE, "value": "x"}, "step"),
        ({"type": "ping", "note": LONE}, "note"),
        ({"type": LONE}, "type"),
    ],
)
async def test_a_lone_surrogate_elsewhere_is_bad_message(
    server: RunningServer, frame: dict[str, Any], field: str
) -> None:
    client = await at_text_step(server)
    await client.send(raw(frame))
    reply = await client.recv()
    assert reply["type"] == "error" and reply["code"] == "bad_message", reply
    assert reply["ack"] is None and reply.get("field") == field
    # No seq was consumed, and nothing was stored from the frame.
    done = await client.answer("change_why", "fine")
    assert done["type"] == "complete" and done["ack"] == 7


async def test_a_lone_surrogate_in_a_key_is_bad_message(server: RunningServer) -> None:
    client = await at_text_step(server)
    await client.send('{"type": "ping", "\\ud83d": 1}')
    reply = await client.recv()
    assert (reply["code"], reply["ack"]) == ("bad_message", None)
    assert (await client.request({"type": "ping"}))["type"] == "pong"


async def test_a_lone_surrogate_in_hello_is_bad_message(server: RunningServer) -> None:
    client = await Client.connect(server.ws_url)
    await client.send(raw({"type": "hello", "protocol": 1, "survey": LONE}))
    reply = await client.recv()
    assert (reply["code"], reply.get("field")) == ("bad_message", "survey")
    welcome, _ = await client.hello()
    assert welcome["type"] == "welcome"


async def test_a_draft_with_a_lone_surrogate_never_breaks_the_session(
    server: RunningServer,
) -> None:
    """The fault it guards: the draft was kept, its save failed, 1011, forever."""
    client = await at_text_step(server)
    await client.send(raw({"type": "draft", "step": "change_why", "value": LONE}))
    assert (await client.recv())["code"] == "bad_message"
    await client.close()
    again = await Client.connect(server.ws_url)
    welcome, step = await again.hello(user_id=client.user_id, token=client.token)
    assert welcome["resumed"] is True and step["draft"] is None


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# 30,000 deep is 60 KB, within the frame limit.
@pytest.mark.parametrize("depth", [33, 2000, 30_000])
async def test_json_nested_deeper_than_32_is_bad_json(server: RunningServer, depth: int) -> None:
    client = await Client.connect(server.ws_url)
    await client.hello()
    await client.send(f'{{"type": "answer", "seq": 1, "step": "intro", "value": {nested(depth - 1)}}}')
    reply = await client.recv()
    assert (reply["type"], reply["code"], reply["ack"]) == ("error", "bad_json", None), reply
    assert (await client.answer("intro", None))["ack"] == 1  # no seq was consumed


async def test_json_nested_32_deep_is_processed(server: RunningServer) -> None:
    client = await Client.connect(server.ws_url)
    await client.hello()
    await client.send(f'{{"type": "answer", "seq": 1, "step": "intro", "value": {nested(31)}}}')
    reply = await client.recv()
    assert (reply["code"], reply["ack"]) == ("invalid_answer", 1)


async def test_deep_nesting_before_hello_is_bad_json(server: RunningServer) -> None:
    client = await Client.connect(server.ws_url)
    await client.send(nested(5000))
    assert (await client.recv())["code"] == "bad_json"
    welcome, _ = await client.hello()
    assert welcome["type"] == "welcome"


async def test_an_unexpected_error_is_logged_and_closes_with_1011(
    server: RunningServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Not every RuntimeError is a client that went away: a bug must show."""
    from server.gateway import live

    def broken(*args: Any) -> Any:
        raise RuntimeError("a bug in the state machine")

    client = await Client.connect(server.ws_url)
    await client.hello()
    monkeypatch.setattr(live, "handle", broken)
    with caplog.at_level(logging.ERROR, logger="server.gateway.connection"):
        await client.send({"type": "answer", "seq": 1, "step": "intro", "value": None})
        assert await client.close_code() == CloseCode.INTERNAL_ERROR
    failures = [r for r in caplog.records if r.name == "server.gateway.connection"]
    assert failures and "a bug in the state machine" in str(failures[0].exc_info[1])
