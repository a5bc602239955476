"""Surveys in several languages: texts keyed by language, and choosing a session's language.

A survey file with `languages` may give any text a respondent reads as an object keyed by
those tags. Each language is resolved into a plain document of its own and checked like a
one-language survey, so every translation has the same steps, values and branches, and
everything downstream (validation, navigation, views, voice) works on one language at a time.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from .errors import SurveyError

LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
DEFAULT_LANGUAGE = "en"
MAX_PREFERENCES = 32
MAX_PREFERENCES_LENGTH = 512


def parse_languages(document: dict[str, Any]) -> tuple[str, ...]:
    """The survey's language tags, the first the default; checked."""
    if "languages" in document and "language" in document:
        raise SurveyError("languages", "give either language or languages, not both")
    if "languages" not in document:
        single = document.get("language", DEFAULT_LANGUAGE)
        if not isinstance(single, str) or not LANGUAGE_TAG.match(single):
            raise SurveyError("language", "must be a language tag like en or fr-CA")
        return (single,)
    tags = document["languages"]
    if not isinstance(tags, list) or not tags:
        raise SurveyError("languages", "must be a non-empty list of language tags")
    for i, tag in enumerate(tags):
        if not isinstance(tag, str) or not LANGUAGE_TAG.match(tag):
            raise SurveyError(f"languages[{i}]", "must be a language tag like en or fr-CA")
    lowered = [tag.lower() for tag in tags]
    if len(set(lowered)) != len(lowered):
        raise SurveyError("languages", "lists a language twice")
    return tuple(tags)


def _text(value: Any, language: str, languages: tuple[str, ...], path: str) -> Any:
    """A text in `language`: a plain value as it is, an object keyed by language resolved."""
    if not isinstance(value, dict):
        return value
    for key in value:
        if key not in languages:
            raise SurveyError(f"{path}.{key}", "is not one of the survey's languages")
    missing = [tag for tag in languages if tag not in value]
    if missing:
        raise SurveyError(path, f"has no text for {', '.join(missing)}")
    return value[language]


def resolve(document: dict[str, Any], language: str, languages: tuple[str, ...]) -> dict[str, Any]:
    """The document with every text in `language` (every language checked present)."""
    resolved = {k: v for k, v in document.items() if k not in ("languages", "language")}
    if "title" in resolved:
        resolved["title"] = _text(resolved["title"], language, languages, "title")
    steps = resolved.get("steps")
    if not isinstance(steps, list):
        return resolved  # the parser reports it
    resolved["steps"] = [_resolve_step(step, language, languages, f"steps[{i}]")
                         for i, step in enumerate(steps)]
    return resolved


def _resolve_step(step: Any, language: str, languages: tuple[str, ...], path: str) -> Any:
    if not isinstance(step, dict):
        return step
    step = dict(step)
    if "prompt" in step:
        step["prompt"] = _text(step["prompt"], language, languages, f"{path}.prompt")
    options = step.get("options")
    if isinstance(options, list):
        step["options"] = [_resolve_option(option, language, languages, f"{path}.options[{i}]")
                           for i, option in enumerate(options)]
    return step


def _resolve_option(option: Any, language: str, languages: tuple[str, ...], path: str) -> Any:
    if not isinstance(option, dict):
        return option
    option = dict(option)
    for name in ("label", "aliases"):
        if name in option:
            option[name] = _text(option[name], language, languages, f"{path}.{name}")
    return option


def _preferences(text: str) -> list[str]:
    """Tags in order of preference, read like Accept-Language (q-values, then order)."""
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(text[:MAX_PREFERENCES_LENGTH].split(",")[:MAX_PREFERENCES]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                continue
        if tag and quality > 0:
            weighted.append((-quality, index, tag.strip().lower()))
    return [tag for _, _, tag in sorted(weighted)]


@lru_cache(maxsize=256)
def _lookups(available: tuple[str, ...]) -> tuple[dict[str, str], dict[str, str]]:
    """A survey's tags by lower-case tag and by primary language (read only)."""
    by_tag = {tag.lower(): tag for tag in available}
    by_primary: dict[str, str] = {}
    for tag in available:
        by_primary.setdefault(tag.split("-")[0].lower(), tag)
    return by_tag, by_primary


def negotiate(preferences: str | None, available: tuple[str, ...]) -> str:
    """The first preferred language the survey has (fr-CA matches fr), else its first."""
    if not preferences:
        return available[0]
    by_tag, by_primary = _lookups(available)
    for wanted in _preferences(preferences):
        if wanted in by_tag:
            return by_tag[wanted]
        primary = wanted.split("-")[0]
        if primary in by_primary:
            return by_primary[primary]
    return available[0]


def pick(requested: str, available: tuple[str, ...]) -> str | None:
    """One of the survey's languages named exactly (any case), for set_language."""
    return {tag.lower(): tag for tag in available}.get(requested.strip().lower())
