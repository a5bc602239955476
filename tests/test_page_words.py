"""The page's own words: one catalogue per language, all keyed alike, every key used."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.support import PROJECT_ROOT

I18N = PROJECT_ROOT / "static" / "i18n"
SCRIPTS = PROJECT_ROOT / "static" / "js"
TEMPLATE = PROJECT_ROOT / "templates" / "survey.html"
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def catalogue(path: Path) -> dict[str, str]:
    loaded = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict), path.name
    return loaded


CATALOGUES = sorted(I18N.glob("*.json"))
ENGLISH = catalogue(I18N / "en.json")


def test_the_page_has_english_french_german_and_spanish() -> None:
    assert {path.stem for path in CATALOGUES} == {"en", "fr", "de", "es"}
    # The module that loads them knows the same list (a catalogue it does not list is never used).
    listed = re.search(r"CATALOGUES = \[([^\]]*)\]", (SCRIPTS / "i18n.js").read_text())
    assert listed is not None
    assert set(re.findall(r'"([^"]+)"', listed.group(1))) == {path.stem for path in CATALOGUES}


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.stem)
def test_every_catalogue_has_exactly_the_keys_of_english(path: Path) -> None:
    words = catalogue(path)
    assert sorted(words) == sorted(ENGLISH)
    for key, text in words.items():
        assert isinstance(text, str) and text.strip(), f"{path.name}: {key} is empty"
        # A translation fills in the same values ({min}, {transcript}...), no more, no fewer.
        assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(ENGLISH[key])), (
            f"{path.name}: {key}")


@pytest.mark.parametrize("path", [p for p in CATALOGUES if p.stem != "en"],
                         ids=lambda path: path.stem)
def test_translations_are_translated(path: Path) -> None:
    # Short words may coincide ("No" in Spanish); whole sentences left in English may not.
    words = catalogue(path)
    left_in_english = [key for key, text in words.items()
                       if text == ENGLISH[key] and len(text.split()) > 2]
    assert left_in_english == []


def keys_in_page() -> tuple[set[str], set[str]]:
    """Keys the page asks for by name (t("..."), data-i18n), and every quoted key-like string."""
    called: set[str] = set()
    mentioned: set[str] = set()
    for script in SCRIPTS.glob("*.js"):
        source = script.read_text(encoding="utf-8")
        called.update(re.findall(r'\bt\(\s*"([^"]+)"', source))
        mentioned.update(re.findall(r'"([a-z_]+(?:\.[a-z_]+)*)"', source))
    marked = set(re.findall(r'data-i18n="([^"]+)"', TEMPLATE.read_text(encoding="utf-8")))
    return called | marked, mentioned | marked


def test_every_word_the_page_asks_for_exists_and_every_entry_is_used() -> None:
    asked, mentioned = keys_in_page()
    assert asked - set(ENGLISH) == set()
    assert set(ENGLISH) - mentioned == set()


def test_the_template_holds_no_words_of_its_own() -> None:
    # Every element marked for the catalogue is empty in the template: one source for the words.
    template = TEMPLATE.read_text(encoding="utf-8")
    assert re.findall(r'data-i18n="[^"]+"[^>]*>([^<]+)<', template) == []
