"""Cost per address: one message budget across an address's connections, and a transcript cap."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from server.gateway.limits import AddressBudgets
from tests.support import COMMUTE_ANSWERS, Client, running_server, settings_for


async def connect_from(url: str, source: str) -> Client:
    """Connect from a loopback address of our choosing (Linux routes all of 127/8 to lo)."""
    return await Client.connect(url, local_addr=(source, 0))


async def test_a_flooding_address_is_slowed_while_another_keeps_being_acknowledged(
    tmp_path: Path,
) -> None:
    # Each connection alone stays far inside its own limit (60 at once): only the budget
    # shared by the address can slow it. Its refill (one message per 100 s) is nil here.
    settings = settings_for(tmp_path, address_rate_limit=0.01, address_rate_burst=20)
    async with running_server(settings) as server:
        flood = [await connect_from(server.ws_url, "127.0.0.2") for _ in range(4)]
        for client in flood:
            await client.hello()
        respondent = await connect_from(server.ws_url, "127.0.0.3")
        await respondent.hello()

        replies: list[dict[str, Any]] = []
        for i in range(40):
            replies.append(await flood[i % 4].request({"type": "ping"}))
        assert replies[:20] == [{"type": "pong"}] * 20
        assert all(reply["code"] == "rate_limited" for reply in replies[20:]), replies[20:]

        # Meanwhile the respondent at another address goes through the whole survey.
        for step, value in COMMUTE_ANSWERS:
            reply = await respondent.answer(step, value)
            assert reply["ack"] == respondent.seq and reply["type"] in ("step", "complete"), reply
        assert reply["type"] == "complete"
        # And the flooding address is still held back, on every one of its connections.
        for client in flood:
            assert (await client.request({"type": "ping"}))["code"] == "rate_limited"
        # A new connection from it does not bring a fresh budget.
        fresh = await connect_from(server.ws_url, "127.0.0.2")
        await fresh.hello()
        assert (await fresh.request({"type": "ping"}))["code"] == "rate_limited"


def test_an_idle_address_keeps_its_spent_budget_until_it_refills() -> None:
    budgets = AddressBudgets(rate=0.001, burst=2)
    bucket = budgets.acquire("192.0.2.1")
    assert bucket.take() and bucket.take() and not bucket.take()
    budgets.release("192.0.2.1")
    budgets.PRUNE_EVERY = 0  # prune at the next new address
    budgets.acquire("192.0.2.2")
    again = budgets.acquire("192.0.2.1")
    assert again is bucket and not again.take()
    refilled = AddressBudgets(rate=1000, burst=1)
    refilled.PRUNE_EVERY = 0
    refilled.acquire("192.0.2.1")
    refilled.release("192.0.2.1")
    refilled.acquire("192.0.2.2")  # the first has refilled and has no connection: dropped
    assert len(refilled) == 1


async def at_mode_step(client: Client) -> None:
    await client.hello()
    await client.answer("intro", None)


async def test_an_overlong_transcript_is_invalid_answer_and_stored_cut(tmp_path: Path) -> None:
    async with running_server(settings_for(tmp_path)) as server:
        client = await Client.connect(server.ws_url)
        await at_mode_step(client)
        long = "by bike " + "and so on " * 50  # 508 characters: over the default 500
        reply = await client.request(
            {"type": "voice_answer", "seq": 2, "step": "mode", "transcript": long}
        )
        assert reply["code"] == "invalid_answer" and reply["ack"] == 2, reply
        assert reply["step"] == "mode" and "too long" in reply["message"]
        row = server.db().execute(
            "SELECT answer FROM session_history WHERE action = 'rejected'").fetchone()
        assert json.loads(row[0])["transcript"] == long[:500]
        # The respondent says it again, shorter, and goes on.
        reply = await client.request(
            {"type": "voice_answer", "seq": 3, "step": "mode", "transcript": "by bike"}
        )
        assert reply["ack"] == 3 and reply["step"]["id"] == "minutes"


async def test_the_transcript_cap_is_a_setting(tmp_path: Path) -> None:
    async with running_server(settings_for(tmp_path, max_transcript_chars=10)) as server:
        client = await Client.connect(server.ws_url)
        await at_mode_step(client)
        reply = await client.request(
            {"type": "voice_answer", "seq": 2, "step": "mode", "transcript": "um, by bike"}
        )
        assert reply["code"] == "invalid_answer" and "too long" in reply["message"]
        reply = await client.request(
            {"type": "voice_answer", "seq": 3, "step": "mode", "transcript": "by bike"}
        )
        assert reply["step"]["id"] == "minutes"
