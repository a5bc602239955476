"""Words of one language, loaded from data, and the text normalisation they rely on."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any
from functools import cache
from pathlib import Path

LANGUAGES_DIR = Path(__file__).resolve().parent / "languages"
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")
_NOT_WORD = re.compile(r"[^\w'.\s]|_|(?<!\d)\.|\.(?!\d)")


def normalize(text: str) -> str:
    """Lower case, no accents, no punctuation but apostrophes and decimal points; commas
    become "and" so that "bus, metro" lists like "bus and metro"."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'").replace("‘", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = _DECIMAL_COMMA.sub(".", text).replace(",", " and ").replace("&", " and ")
    text = _NOT_WORD.sub(" ", text)
    return " ".join(text.split())


def contains_phrase(text: str, phrase: str) -> bool:
    return f" {phrase} " in f" {text} "


def remove_phrases(text: str, phrases: tuple[str, ...]) -> str:
    padded = f" {text} "
    for phrase in phrases:  # longest first, so "i think" goes before "i"
        while f" {phrase} " in padded:
            padded = padded.replace(f" {phrase} ", " ")
    return " ".join(padded.split())


def _by_length(words: list[str]) -> tuple[str, ...]:
    return tuple(sorted((normalize(w) for w in words), key=len, reverse=True))


@dataclass(frozen=True)
class Language:
    fillers: tuple[str, ...]
    articles: tuple[str, ...]
    conjunctions: tuple[str, ...]
    ordinals: dict[str, int]
    position_words: tuple[str, ...]
    small_numbers: dict[str, int]
    negative_sign: tuple[str, ...]
    out_of: tuple[str, ...]
    all: tuple[str, ...]
    none: tuple[str, ...]
    yes: tuple[str, ...]
    no: tuple[str, ...]
    unsure: tuple[str, ...]
    code: str = "en"


@cache
def load_language(code: str = "en") -> Language:
    """Another language is one more JSON file in languages/ with the same keys."""
    data = json.loads((LANGUAGES_DIR / f"{code}.json").read_text(encoding="utf-8"))
    fields: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, list):
            fields[key] = _by_length(value)
        elif isinstance(value, dict):
            fields[key] = {normalize(word): number for word, number in value.items()}
    return Language(code=code, **fields)
