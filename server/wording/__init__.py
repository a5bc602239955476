"""What the server says to respondents, in their language: one JSON catalogue per language.

Each message has a key and named parameters; `say` finds it in the session's language
(`fr-CA` reads `fr`), else in English. The page has catalogues of its own (static/i18n)
for its own words; these are the words that come from the server's checks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FALLBACK = "en"
CATALOGUES: dict[str, dict[str, str]] = {
    path.stem: json.loads(path.read_text(encoding="utf-8"))
    for path in sorted(Path(__file__).parent.glob("*.json"))
}


def say(language: str | None, key: str, **params: Any) -> str:
    catalogue = CATALOGUES.get((language or FALLBACK).split("-")[0].lower())
    text = (catalogue or {}).get(key) or CATALOGUES[FALLBACK][key]
    return text.format(**params)


class Worded(Exception):
    """An error whose words a respondent reads: a key and its parameters, in any language."""

    def __init__(self, key: str, **params: Any) -> None:
        self.key = key
        self.params = params
        super().__init__(say(FALLBACK, key, **params))

    def in_language(self, language: str | None) -> str:
        return say(language, self.key, **self.params)
