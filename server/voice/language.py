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

from .phrases import scan

logger = logging.getLogger(__name__)

LANGUAGES_DIR = Path(__file__).resolve().parent / "languages"
DEFAULT_LANGUAGE = "en"
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")
_NOT_WORD = re.compile(r"[^\w'.,/&\s]|_|(?<!\d)\.|\.(?!\d)")
_PAUSE = re.compile(r"\s*([,/&])\s*")


def _words(text: str) -> list[str]:
    """Lower-case words, accents kept; a comma (or "&") and a slash are words of their own:
    the comma is the pause that tells "the bus, no, the train" from "no bus"."""
    text = unicodedata.normalize("NFC", text.replace("\u2019", "'").replace("\u2018", "'"))
    text = _NOT_WORD.sub(" ", _DECIMAL_COMMA.sub(".", text.lower()))
    return _PAUSE.sub(r" \1 ", text).replace("&", ",").split()


def _plain(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def normalize(text: str) -> str:
    """Lower case, no accents, no punctuation but apostrophes, decimal points, commas and
    slashes, each of the last two a word of its own."""
    return " ".join(_plain(word) for word in _words(text))


def with_digits(text: str, code: str, drop: tuple[str, ...] = ()) -> str:
    """Normalised, without the phrases in `drop`, number words as digits ("quarante-cinq"
    -> "45"). text2num needs the accents ("fünf", "veintitrés"), so it reads the words
    before they are dropped, and the phrases go first ("unos cuarenta" is not "1 40")."""
    words = _words(text)
    for match in reversed(scan([_plain(w) for w in words], dict.fromkeys(drop, "drop"))):
        del words[match.start:match.end]
    return normalize(alpha2digit(" ".join(words), code, threshold=0))


def _by_length(words: list[str]) -> tuple[str, ...]:
    return tuple(sorted({normalize(w) for w in words}, key=len, reverse=True))


@dataclass(frozen=True)
class Language:
    """What a respondent may say, by role. Phrases are normalised and longest first."""

    code: str
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
    fields: dict[str, Any] = {}
    for key, value in data.items():
        if key in NUMBER_KEYS:
            fields[key] = _by_length([with_digits(w, code) for w in value])
        elif key == "fractions":
            fields[key] = {with_digits(w, code): float(v) for w, v in value.items()}
        elif isinstance(value, list):
            fields[key] = _by_length(value)
        elif isinstance(value, dict):
            fields[key] = {normalize(word): number for word, number in value.items()}
    return Language(code=code, **fields)


def languages() -> tuple[str, ...]:
    """The languages spoken answers are understood in."""
    return tuple(sorted(p.stem for p in LANGUAGES_DIR.glob("*.json")))
