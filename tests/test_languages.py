"""Surveys in several languages: the file format, choosing the language, switching it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from server.survey import BUNDLED_DIR, load_catalog, parse_survey
from server.survey.errors import SurveyError
from server.survey.languages import negotiate
from tests.operators_support import ADMIN, admin_settings, get
from tests.support import Client, running_server

BILINGUAL: dict[str, Any] = {
    "id": "b", "title": {"en": "Lunch", "fr": "Déjeuner"}, "version": 1,
    "languages": ["en", "fr"],
    "steps": [
        {"id": "food", "type": "single_choice",
         "prompt": {"en": "What do you eat?", "fr": "Que mangez-vous ?"},
         "options": ["Pizza", {"value": "salad", "label": {"en": "Salad", "fr": "Salade"},
                               "aliases": {"en": ["greens"], "fr": ["verdure"]}}]},
        {"id": "end", "type": "end", "prompt": {"en": "Thanks", "fr": "Merci"}},
    ],
}


def test_each_language_gets_its_own_texts_and_the_same_steps() -> None:
    english, _ = parse_survey(BILINGUAL)
    french = english.localized("fr")
    assert (english.title, french.title) == ("Lunch", "Déjeuner")
    assert english.languages == ("en", "fr") and english.default_language == "en"
    assert french.steps["food"].public["prompt"] == "Que mangez-vous ?"
    assert french.steps["food"].public["options"] == [
        {"value": "Pizza", "label": "Pizza"}, {"value": "salad", "label": "Salade"}]
    assert french.steps["food"].options[1].aliases == ("verdure",)
    assert english.localized(None) is english and english.localized("de") is english
    assert french.localized("en") is english
    assert list(french.steps) == list(english.steps)


@pytest.mark.parametrize("change, path, words", [
    (lambda d: d["steps"][0]["prompt"].pop("fr"), "steps[0].prompt", "no text for fr"),
    (lambda d: d["steps"][0]["options"][1]["label"].update(de="Salat"),
     "steps[0].options[1].label.de", "not one of the survey's languages"),
    (lambda d: d["steps"][0]["options"][1]["aliases"].pop("en"),
     "steps[0].options[1].aliases", "no text for en"),
    (lambda d: d.update(language="en"), "languages", "not both"),
    (lambda d: d.update(languages=["en", "EN"]), "languages", "twice"),
    (lambda d: d.update(languages=["english!"]), "languages[0]", "language tag"),
    (lambda d: d.update(languages=[]), "languages", "non-empty"),
    (lambda d: d["title"].pop("en"), "title", "no text for en"),
])
def test_a_text_missing_a_language_is_an_error_at_load(change: Any, path: str, words: str) -> None:
    document = copy.deepcopy(BILINGUAL)
    change(document)
    with pytest.raises(SurveyError) as caught:
        parse_survey(document)
    assert caught.value.path == path and words in caught.value.fault


def test_a_one_language_survey_may_name_its_language() -> None:
    document = copy.deepcopy(BILINGUAL)
    del document["languages"]
    document["language"] = "de"
    document["title"] = "Mittagessen"
    for step in document["steps"]:
        step["prompt"] = "Text"
    document["steps"][0]["options"][1] = "salad"
    survey, _ = parse_survey(document)
    assert survey.languages == ("de",) and survey.localized("de") is survey


@pytest.mark.parametrize("preferences, chosen", [
    ("fr-CA,fr;q=0.9,en;q=0.8", "fr"), ("de,fr", "fr"), ("en;q=0.5,fr", "fr"),
    ("de", "en"), (None, "en"), ("", "en"), ("FR", "fr"), ("fr;q=0,en", "en"),
    ("xx;q=oops,fr", "fr"), ("*", "en"),
])
def test_the_language_is_read_like_accept_language(preferences: str | None, chosen: str) -> None:
    assert negotiate(preferences, ("en", "fr")) == chosen


async def test_a_french_browser_gets_the_french_survey(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        client = await Client.connect(server.ws_url)
        welcome, step = await client.hello(language="fr-CA,fr;q=0.9,en;q=0.8")
        assert welcome["survey"]["title"] == "Comment vous allez au travail"
        assert welcome["state"]["language"] == "fr"
        assert step["step"]["prompt"].startswith("Ce court questionnaire")
        reply = await client.answer("intro", None)
        assert reply["step"]["options"][0] == {"value": "Car", "label": "Voiture"}
        done = await _finish_in_french(client)
        assert done["message"] == "Merci ! Vos réponses sont enregistrées."
        await client.close()
        export = await get(server.url, "/api/surveys/commute/export?format=jsonl", headers=ADMIN)
    assert '"language":"fr"' in export.text


async def _finish_in_french(client: Client) -> dict[str, Any]:
    for step, value in [("mode", "Car"), ("minutes", 10), ("satisfaction", 3),
                        ("change", False)]:
        reply = await client.answer(step, value)
    assert reply["type"] == "complete"
    return reply


async def test_switching_language_keeps_the_answers_and_the_place(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        client = await Client.connect(server.ws_url)
        await client.hello(language="fr")
        await client.answer("intro", None)
        await client.answer("mode", "Car")
        switched = await client.request({"type": "set_language", "seq": client.next_seq(),
                                         "language": "en"})
        assert switched["type"] == "step" and switched["ack"] == 3
        assert switched["step"]["id"] == "minutes"
        assert switched["step"]["prompt"] == "About how many minutes does the trip to work take?"
        assert switched["progress"]["answered"] == 2 and switched["can_go_back"] is True
        back = await client.back()
        assert back["answer"] == "Car" and back["step"]["options"][0]["label"] == "Car"
        refused = await client.request({"type": "set_language", "seq": client.next_seq(),
                                        "language": "de"})
        assert (refused["code"], refused["ack"]) == ("invalid_answer", 5)
        await client.close()

        again = await Client.connect(server.ws_url)  # a reload: the language comes back
        welcome, step = await again.hello(user_id=client.user_id, token=client.token,
                                          language="fr")
        assert welcome["state"]["language"] == "en"
        assert welcome["survey"]["title"] == "How you get to work"
        assert step["step"]["prompt"] == "How do you usually get to work?"
        assert welcome["state"]["answers"] == {"intro": None, "mode": "Car"}
        await again.close()
        with server.db() as conn:
            rows = conn.execute("SELECT action, answer FROM session_history "
                                "WHERE action IN ('language', 'rejected') ORDER BY id").fetchall()
            stored = conn.execute("SELECT language FROM sessions").fetchone()[0]
    assert [tuple(r) for r in rows] == [("language", '{"language":"en"}'),
                                         ("rejected", '{"type":"set_language","code":'
                                          '"invalid_answer"}')]
    assert stored == "en"


async def test_a_bad_set_language_is_a_protocol_error(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        client = await Client.connect(server.ws_url)
        await client.hello()
        reply = await client.request({"type": "set_language", "seq": 1, "language": 7})
        long_hello = await Client.connect(server.ws_url)
        refused = await long_hello.request({"type": "hello", "protocol": 1,
                                            "language": "x" * 600})
        await client.close()
    assert (reply["code"], reply["field"], reply["ack"]) == ("bad_message", "language", None)
    assert (refused["code"], refused["field"]) == ("bad_message", "language")


def test_the_bundled_survey_is_in_english_and_french() -> None:
    survey = load_catalog(BUNDLED_DIR).surveys["commute"]
    assert survey.languages == ("en", "fr")


async def test_a_spoken_answer_is_understood_in_the_sessions_language(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        client = await Client.connect(server.ws_url)
        await client.hello(language="fr")
        await client.answer("intro", None)
        heard = await client.request({"type": "voice_answer", "seq": client.next_seq(),
                                      "step": "mode", "transcript": "euh, en vélo je pense"})
        minutes = await client.request({"type": "voice_answer", "seq": client.next_seq(),
                                        "step": "minutes", "transcript": "vingt-cinq minutes"})
        await client.close()
    assert heard["type"] == "step" and heard["step"]["id"] == "minutes"
    assert minutes["step"]["id"] == "satisfaction"
    with server.db() as conn:
        answers = conn.execute("SELECT answers FROM sessions").fetchone()[0]
    assert answers == '{"intro":null,"mode":"bicycle","minutes":25}'


def test_every_server_catalogue_has_the_english_keys_and_placeholders() -> None:
    import string

    from server.wording import CATALOGUES

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    english = CATALOGUES["en"]
    assert set(CATALOGUES) >= {"en", "fr", "de", "es"}
    for language, catalogue in CATALOGUES.items():
        assert set(catalogue) == set(english), language
        for key, text in catalogue.items():
            assert text.strip() and fields(text) == fields(english[key]), (language, key)


async def test_the_servers_refusals_are_in_the_sessions_language(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        client = await Client.connect(server.ws_url)
        await client.hello(language="fr")
        back = await client.back()
        await client.answer("intro", None)
        await client.answer("mode", "Car")
        too_many = await client.answer("minutes", 9999)
        switched = await client.request({"type": "set_language", "seq": client.next_seq(),
                                         "language": "de"})
        await client.close()
        german = await Client.connect(server.ws_url)
        await german.hello(language="de-AT")  # not one of the survey's: its first, English
        english = await german.back()
        await german.close()
    assert back["message"] == "C'est la première question."
    assert too_many["message"] == "Veuillez saisir un nombre entier entre 0 et 300."
    assert switched["message"] == "Ce questionnaire existe en en, fr."
    assert english["message"] == "This is the first question."
