"""Spoken answers: the corpus of transcripts, and voice_answer over the WebSocket."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from server.survey import InvalidAnswer, parse_survey, validate_value
from server.voice import NoMatch, interpret, load_language
from tests.support import Client, RunningServer

CORPUS = json.loads(Path(__file__).with_name("voice_corpus.json").read_text(encoding="utf-8"))
SURVEY = parse_survey(CORPUS["survey"])[0]


def outcome(step_id: str, transcript: str) -> dict[str, Any]:
    """What the server makes of a transcript: a value, invalid_answer, or no_match."""
    step = SURVEY.steps[step_id]
    try:
        return {"value": validate_value(step, interpret(step, transcript))}
    except NoMatch:
        return {"no_match": True}
    except InvalidAnswer:
        return {"invalid": True}


def test_the_corpus_is_understood(capsys: pytest.CaptureFixture[str]) -> None:
    cases = CORPUS["cases"]
    assert len(cases) >= 200
    wrong = []
    for case in cases:
        expected = {k: v for k, v in case.items() if k not in ("step", "transcript")}
        got = outcome(case["step"], case["transcript"])
        if got != expected:
            wrong.append(f"{case['step']}: {case['transcript']!r}: expected {expected}, got {got}")
    with capsys.disabled():
        print(f"\nvoice corpus: {len(cases) - len(wrong)}/{len(cases)} understood as expected")
    assert wrong == []


def test_every_rule_is_in_the_corpus() -> None:
    kinds = {(c["step"], "no_match" in c) for c in CORPUS["cases"]}
    for step in ("mode", "used", "minutes", "rating", "agree"):
        assert (step, True) in kinds and (step, False) in kinds


def test_ambiguity_names_the_options() -> None:
    with pytest.raises(NoMatch, match="Did you mean Bus or Train"):
        interpret(SURVEY.steps["mode"], "the bus or the train")


def test_no_match_says_what_can_be_said() -> None:
    with pytest.raises(NoMatch, match="You can say Car, Bus, Train, Bicycle, Walking or Something else"):
        interpret(SURVEY.steps["mode"], "a hot air balloon")


def test_languages_are_data() -> None:
    english = load_language("en")
    assert "nope" in english.no and english.ordinals["second"] == 2
    language_files = sorted(p.name for p in (Path(__file__).parent.parent / "server" / "voice"
                                              / "languages").glob("*.json"))
    assert language_files == ["en.json"]


async def at_mode_step(server: RunningServer) -> Client:
    client = await Client.connect(server.ws_url)
    await client.hello()
    await client.answer("intro", None)
    return client


async def test_voice_answer_moves_the_session_like_an_answer(server: RunningServer) -> None:
    client = await at_mode_step(server)
    reply = await client.request({"type": "voice_answer", "seq": 2, "step": "mode",
                                  "transcript": "um, by bike I think"})
    assert reply["type"] == "step" and reply["ack"] == 2 and reply["step"]["id"] == "minutes"
    row = server.db().execute(
        "SELECT answer FROM session_history WHERE action = 'answer' AND step = 'mode'").fetchone()
    assert json.loads(row[0]) == {"value": "bicycle", "transcript": "um, by bike I think"}
    spoken = await client.request({"type": "voice_answer", "seq": 3, "step": "minutes",
                                   "transcript": "about forty five minutes"})
    assert spoken["ack"] == 3 and spoken["step"]["id"] == "satisfaction"
    welcome_answers = server.db().execute("SELECT answers FROM sessions").fetchone()[0]
    assert json.loads(welcome_answers)["minutes"] == 45


async def test_rejected_voice_answers_carry_their_ack(server: RunningServer) -> None:
    client = await at_mode_step(server)
    unclear = await client.request({"type": "voice_answer", "seq": 2, "step": "mode",
                                    "transcript": "car or bike"})
    assert unclear["code"] == "no_match" and unclear["ack"] == 2 and unclear["step"] == "mode"
    assert "Car or Bicycle" in unclear["message"]
    await client.request({"type": "voice_answer", "seq": 3, "step": "mode", "transcript": "car"})
    too_long = await client.request({"type": "voice_answer", "seq": 4, "step": "minutes",
                                     "transcript": "four hundred"})
    assert too_long["code"] == "invalid_answer" and too_long["ack"] == 4
    rows = server.db().execute(
        "SELECT answer FROM session_history WHERE action = 'rejected' ORDER BY id").fetchall()
    assert [json.loads(r[0])["transcript"] for r in rows] == ["car or bike", "four hundred"]
