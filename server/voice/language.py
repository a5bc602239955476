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

logger = logging.getLogger(__name__)

LANGUAGES_DIR = Path(__file__).resolve().parent / "languages"
DEFAULT_LANGUAGE = "en"
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")
_NOT_WORD = re.compile(r"[^\w'./\s]|_|(?<!\d)\.|\.(?!\d)")
_SLASH = re.compile(r"\s*/\s*")
_NOT_WORD_OR_PUNCTUATION = re.compile(r"[^\w'.,\s]|_")


def normalize(text: str) -> str:
    """Lower case, no accents, no punctuation but apostrophes, decimal points and slashes;
    commas become "and" so that "bus, metro" lists like "bus and metro"."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'").replace("‘", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = _DECIMAL_COMMA.sub(".", text).replace(",", " and ").replace("&", " and ")
    text = _SLASH.sub(" / ", _NOT_WORD.sub(" ", text))
    return " ".join(text.split())


def with_digits(text: str, code: str) -> str:
    """Number words as digits ("quarante-cinq" -> "45"), then normalised. text2num needs the
    accents ("fünf", "veintitrés"), so it reads the text before normalize drops them."""
    text = unicodedata.normalize("NFC", text.replace("’", "'").replace("‘", "'")).lower()
    text = _NOT_WORD_OR_PUNCTUATION.sub(lambda m: " / " if m.group() == "/" else " ", text)
    return normalize(alpha2digit(text, code, threshold=0))


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
