"""Words of one language, loaded from data, and the text normalisation they rely on."""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from text_to_num import alpha2digit  # type: ignore[import-untyped]

from .phrases import droppable, without

logger = logging.getLogger(__name__)

LANGUAGES_DIR = Path(__file__).resolve().parent / "languages"
DEFAULT_LANGUAGE = "en"
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")
_STOP = re.compile(r"[?!;:\u00bf\u00a1\u2026]|(?<!\d)\.|\.(?!\d)")
_NOT_WORD = re.compile(r"[^\w'.,/&+\s]|_")
_PAUSE = re.compile(r"\s*([,/&+])\s*")


def _words(text: str, elisions: tuple[str, ...] = ()) -> list[str]:
    """Lower-case words, accents kept; a comma (or "&", or the end of a sentence), a slash
    and a plus are words of their own: the comma is the pause that tells "the bus. No, the
    train" from "no bus". An elided article is a word of its own too ("l'après-midi" names
    the option "après-midi")."""
    text = unicodedata.normalize("NFC", text.replace("\u2019", "'").replace("\u2018", "'"))
    text = _STOP.sub(",", _DECIMAL_COMMA.sub(".", text.lower()))
    text = _NOT_WORD.sub(" ", text)
    words = _PAUSE.sub(r" \1 ", text).replace("&", ",").split()
    return [part for word in words for part in _unelided(word, elisions)]


def _unelided(word: str, elisions: tuple[str, ...]) -> tuple[str, ...]:
    for elision in elisions:
        if word.startswith(elision) and len(word) > len(elision):
            return elision, word[len(elision):]
    return (word,)


def _plain(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def normalize(text: str, elisions: tuple[str, ...] = ()) -> str:
    """Lower case, no accents, no punctuation but apostrophes, decimal points, and the
    commas, slashes and pluses that are words of their own."""
    return " ".join(_plain(word) for word in _words(text, elisions))


def with_digits(
    text: str, code: str, drop: tuple[str, ...] = (), keep: tuple[str, ...] = (),
    elisions: tuple[str, ...] = (), articles: tuple[str, ...] = (),
) -> str:
    """Normalised, without the phrases in `drop`, number words as digits ("quarante-cinq"
    -> "45"). text2num needs the accents ("fünf", "veintitrés"), so it reads the words
    before they are dropped, and the phrases go first ("unos cuarenta" is not "1 40")."""
    words = _words(text, elisions)
    for match in reversed(droppable([_plain(w) for w in words], drop, keep)):
        del words[match.start:match.end]
    words = [word for word, following in zip(words, [*words[1:], ""], strict=True)
             if _plain(word) not in articles or not _is_number(following, code)]
    return normalize(alpha2digit(" ".join(words), code, threshold=0), elisions)


def _is_number(word: str, code: str) -> bool:
    return bool(word) and str(alpha2digit(word, code, threshold=0))[:1].isdigit()


def _by_length(phrases: list[str], elisions: tuple[str, ...] = ()) -> tuple[str, ...]:
    return tuple(sorted({normalize(p, elisions) for p in phrases}, key=len, reverse=True))


@dataclass(frozen=True)
class Language:
    """What a respondent may say, by role. Phrases are normalised and longest first."""

    code: str
    elisions: tuple[str, ...]
    fillers: tuple[str, ...]
    articles: tuple[str, ...]
    followers: tuple[str, ...]
    conjunctions: tuple[str, ...]
    ordinals: dict[str, int]
    middle: tuple[str, ...]
    position_words: tuple[str, ...]
    small_numbers: dict[str, int]
    negative_sign: tuple[str, ...]
    out_of: tuple[str, ...]
    all: tuple[str, ...]
    none: tuple[str, ...]
    yes: tuple[str, ...]
    no: tuple[str, ...]
    unsure: tuple[str, ...]
    corrections: tuple[str, ...]
    negations: tuple[str, ...]
    exclusions: tuple[str, ...]
    contrasts: tuple[str, ...]
    vague: tuple[str, ...]
    # Number steps read a text whose number words are already digits, so the phrases found
    # in it are kept in that form too ("und ein halb" -> "und 1 halb").
    fraction_words: tuple[str, ...]
    fractions: dict[str, float] = field(default_factory=dict)
    # "un" in "un ocho" (an eight) is no number of its own.
    number_articles: tuple[str, ...] = ()
    # Units by what they measure: "one hour" is no answer to "how many minutes".
    units: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # What a respondent hears when asked again ({options}: the labels to choose from).
    messages: dict[str, str] = field(default_factory=dict)

    def normalize(self, text: str) -> str:
        return normalize(text, self.elisions)

    @property
    def meaningful(self) -> tuple[str, ...]:
        """Phrases that change what is meant, so no filler inside them is dropped."""
        return self.corrections + self.negations + self.exclusions + self.contrasts

    def without_fillers(self, text: str) -> str:
        return without(text, self.fillers, self.meaningful)

    def with_digits(self, text: str) -> str:
        """Without fillers, number words as digits."""
        return with_digits(text, self.code, self.fillers, self.meaningful, self.elisions,
                           self.number_articles)


NUMBER_KEYS = ("fraction_words", "out_of", "negative_sign")


@cache
def load_language(code: str = DEFAULT_LANGUAGE) -> Language:
    """Another language is one more JSON file in languages/ with the same keys; a language
    without a file falls back to English words."""
    code = code.replace("_", "-").split("-")[0].lower()  # "fr-CA" -> "fr"
    path = LANGUAGES_DIR / f"{code}.json"
    if code != DEFAULT_LANGUAGE and (not code.isalpha() or not path.is_file()):
        logger.warning("no spoken-answer words for language %r, using English", code)
        return load_language(DEFAULT_LANGUAGE)
    data = json.loads(path.read_text(encoding="utf-8"))
    elisions = tuple(data.pop("elisions", ()))
    fields: dict[str, Any] = {}
    for key, value in data.items():
        if key in NUMBER_KEYS:
            fields[key] = _by_length([with_digits(w, code, elisions=elisions) for w in value])
        elif key == "messages":
            fields[key] = dict(value)
        elif key == "units":
            fields[key] = {unit: _by_length(words, elisions) for unit, words in value.items()}
        elif key == "fractions":
            fields[key] = {with_digits(w, code, elisions=elisions): float(v) for w, v in value.items()}
        elif isinstance(value, list):
            fields[key] = _by_length(value, elisions)
        elif isinstance(value, dict):
            fields[key] = {normalize(word, elisions): number for word, number in value.items()}
    return Language(code=code, elisions=elisions, **fields)


def languages() -> tuple[str, ...]:
    """The languages spoken answers are understood in."""
    return tuple(sorted(p.stem for p in LANGUAGES_DIR.glob("*.json")))
