"""Bounded growth from one address: what rejected messages leave behind, and the history cap."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support import Client, running_server, settings_for


async def test_rejected_values_and_steps_are_stored_cut(tmp_path: Path) -> None:
    async with running_server(settings_for(tmp_path)) as server:
        client = await Client.connect(server.ws_url)
        await client.hello()
        await client.answer("intro", None)
        long_text = "v" * 60_000
        assert (await client.answer("mode", long_text))["code"] == "invalid_answer"
        assert (await client.answer("s" * 1000, "Car"))["code"] == "wrong_step"
        big_list = [f"item-{n}" for n in range(500)]
        assert (await client.answer("mode", big_list))["code"] == "invalid_answer"
        small = await client.answer("mode", ["Car"])
        await client.close()
        with server.db() as db:
            rows = db.execute("SELECT step, answer FROM session_history "
                              "WHERE action = 'rejected' ORDER BY id").fetchall()
    (_, text1), (step2, text2), (_, text3), (_, text4) = (
        (r[0], json.loads(r[1])) for r in rows)
    assert small["code"] == "invalid_answer"
    assert text1["value"] == "v" * 256 and text1["truncated"] is True
    assert step2 == "s" * 128 and text2["value"] == "Car"
    assert text3["value"] == json.dumps(big_list)[:256] and text3["truncated"] is True
    assert text4["value"] == ["Car"] and "truncated" not in text4


async def test_history_past_the_cap_keeps_answers_but_not_rejections(tmp_path: Path) -> None:
    async with running_server(settings_for(tmp_path, max_history_rows=10)) as server:
        client = await Client.connect(server.ws_url)
        await client.hello()
        replies = [await client.answer("mode", "Car") for _ in range(30)]
        accepted = await client.answer("intro", None)
        more = await client.answer("intro", None)
        await client.close()
        with server.db() as db:
            actions = [r[0] for r in db.execute(
                "SELECT action FROM session_history ORDER BY id")]
    # Every rejected message is still answered, and processed once.
    assert [r["code"] for r in replies] == ["wrong_step"] * 30
    assert [r["ack"] for r in replies] == list(range(1, 31))
    assert accepted["type"] == "step" and more["code"] == "wrong_step"
    assert actions.count("history_capped") == 1
    assert actions.count("rejected") == 10 - 1  # 'created' and nine rejections reach the cap
    assert "answer" in actions[actions.index("history_capped"):]
