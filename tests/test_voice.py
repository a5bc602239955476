"""Spoken answers: the corpus of transcripts, and voice_answer over the WebSocket."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from server.survey import InvalidAnswer, parse_survey, validate_value
from server.voice import NoMatch, interpret, languages, load_language
from tests.support import Client, RunningServer

CORPUS = json.loads(Path(__file__).with_name("voice_corpus.json").read_text(encoding="utf-8"))
SURVEYS = {code: parse_survey(survey)[0] for code, survey in CORPUS["surveys"].items()}
SURVEY = SURVEYS["en"]
LANGUAGES = ("en", "fr", "de", "es")


def outcome(step_id: str, transcript: str, language: str = "en") -> dict[str, Any]:
    """What the server makes of a transcript: a value, invalid_answer, or no_match."""
    step = SURVEYS[language].steps[step_id]
    try:
        return {"value": validate_value(step, interpret(step, transcript, language))}
    except NoMatch:
        return {"no_match": True}
    except InvalidAnswer:
        return {"invalid": True}


def judge(case: dict[str, Any]) -> tuple[str, str]:
    """("right", ""), ("wrong guess", why): a value that is not the one meant, stored as the
    respondent's answer; or ("asked again", why): understandable, but not understood."""
    expected = {k: v for k, v in case.items() if k not in ("language", "step", "transcript")}
    got = outcome(case["step"], case["transcript"], case["language"])
    if got == expected:
        return "right", ""
    why = f"{case['language']} {case['step']}: {case['transcript']!r}: expected {expected}, got {got}"
    return ("wrong guess" if "value" in got else "asked again"), why


def test_the_corpus_is_understood(capsys: pytest.CaptureFixture[str]) -> None:
    cases = CORPUS["cases"]
    assert len(cases) >= 380
    verdicts = [(case["language"], *judge(case)) for case in cases]
    lines = ["", "voice corpus: language, transcripts, understood as expected, wrong guesses"]
    for language in LANGUAGES:
        mine = [kind for lang, kind, _ in verdicts if lang == language]
        right, wrong = mine.count("right"), mine.count("wrong guess")
        lines.append(f"  {language}: {len(mine)} transcripts, {right}/{len(mine)} "
                     f"({100 * right / len(mine):.1f}%) understood, {wrong} wrong guesses")
    problems = [f"{kind}: {why}" for _, kind, why in verdicts if kind != "right"]
    with capsys.disabled():
        print("\n".join(lines + [f"  {p}" for p in problems]))
    assert [p for p in problems if p.startswith("wrong guess")] == []
    assert problems == []


def test_the_corpus_covers_every_language_and_rule() -> None:
    kinds = {(c["language"], c["step"], "no_match" in c) for c in CORPUS["cases"]}
    for language in LANGUAGES:
        for step in ("mode", "used", "minutes", "rating", "agree", "when"):
            assert (language, step, True) in kinds and (language, step, False) in kinds
    assert {c["language"] for c in CORPUS["cases"]} == set(LANGUAGES)


def test_the_issue_examples() -> None:
    """Each rule of issue 14, as the issue states it."""
    assert outcome("used", "not the tram") == {"no_match": True}
    assert outcome("extras", "all except the coffee") == {"value": ["Wifi", "quiet"]}
    assert outcome("minutes", "forty-something") == {"no_match": True}
    assert outcome("minutes", "three and a half") == {"invalid": True}
    assert outcome("agree", "oh go on then, why not") == {"value": True}
    assert outcome("agree", "sort of yes, sort of no") == {"no_match": True}
    assert outcome("mode", "the bus, no sorry, the train") == {"value": "Train"}
    assert outcome("mode", "option number four") == {"value": "bicycle"}
    assert outcome("rating", "seven/10") == {"value": 7}
    assert outcome("when", "the one in the middle") == {"value": "Afternoon"}


def test_no_match_speaks_the_language_it_was_asked_in() -> None:
    mode = SURVEYS["fr"].steps["mode"]
    with pytest.raises(NoMatch, match="Vouliez-vous dire Bus ou Train"):
        interpret(mode, "le bus ou le train", "fr")
    with pytest.raises(NoMatch, match="Vous pouvez dire Voiture, Bus, Train, Vélo, À pied ou Autre"):
        interpret(mode, "en montgolfière", "fr")
    with pytest.raises(NoMatch, match="ein Ja oder ein Nein"):
        interpret(SURVEYS["de"].steps["agree"], "jein", "de")
    with pytest.raises(NoMatch, match="no he entendido un número"):
        interpret(SURVEYS["es"].steps["minutes"], "cuarenta y pico", "es")


def test_every_language_file_has_every_role() -> None:
    english = load_language("en")
    for code in languages():
        words = load_language(code)
        assert words.code == code
        for role, phrases in vars(words).items():
            assert phrases or role in ("elisions",), f"{code}: {role} is empty"
        assert words.messages.keys() == english.messages.keys()
        assert {"hour", "minute", "second", "kilogram"} <= words.units.keys()


def test_an_unknown_language_falls_back_to_english_words() -> None:
    step = SURVEY.steps["agree"]
    assert interpret(step, "why not", "xx") is True
    assert interpret(step, "why not", "en-GB") is True
    assert interpret(SURVEYS["fr"].steps["agree"], "pourquoi pas", "fr-CA") is True
    with pytest.raises(NoMatch):
        interpret(step, "pourquoi pas", "en")


def test_ambiguity_names_the_options() -> None:
    with pytest.raises(NoMatch, match="Did you mean Bus or Train"):
        interpret(SURVEY.steps["mode"], "the bus or the train")


def test_no_match_says_what_can_be_said() -> None:
    with pytest.raises(NoMatch, match="You can say Car, Bus, Train, Bicycle, Walking or Something else"):
        interpret(SURVEY.steps["mode"], "a hot air balloon")


def test_languages_are_data() -> None:
    english, french = load_language("en"), load_language("fr")
    assert "nope" in english.no and english.ordinals["second"] == 2
    assert "pourquoi pas" in french.yes and french.ordinals["deuxieme"] == 2
    language_files = sorted(p.name for p in (Path(__file__).parent.parent / "server" / "voice"
                                              / "languages").glob("*.json"))
    assert language_files == ["de.json", "en.json", "es.json", "fr.json"]
    assert languages() == ("de", "en", "es", "fr")


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
