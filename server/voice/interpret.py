"""Turns what a speech recogniser heard into a value for a step, or says it cannot."""

from __future__ import annotations

from typing import Any

from ..survey.model import Step
from .choices import choose
from .language import DEFAULT_LANGUAGE, Language, load_language
from .numbers import NotANumber, read_number
from .unclear import Unclear
from .yes_no import NotYesOrNo, read_yes_no


class NoMatch(Exception):
    """The transcript could not be understood; the message says what can be said."""


def interpret(step: Step, transcript: str, language: str | Language = DEFAULT_LANGUAGE) -> Any:
    """A value to check like a typed one (so out-of-range is invalid_answer), or NoMatch.
    `language` is the session's language code ("fr", "de-CH"); one without words of its own
    is understood with English words."""
    words = language if isinstance(language, Language) else load_language(language)
    if step.type == "text":
        return transcript.strip()
    if step.type == "info":
        return None
    if not words.normalize(transcript):
        raise NoMatch(words.messages["nothing_heard"])
    if step.type in ("single_choice", "multi_choice"):
        return _choice(step, words.normalize(transcript), words)
    if step.type == "yes_no":
        try:
            return read_yes_no(transcript, words)
        except NotYesOrNo:
            raise NoMatch(words.messages["yes_or_no"]) from None
    try:
        return read_number(step, transcript, words)
    except NotANumber:
        raise NoMatch(words.messages["one_number"]) from None


def _labels(step: Step, indexes: list[int], language: Language) -> str:
    labels = [step.options[i].label for i in indexes]
    if len(labels) == 1:
        return labels[0]
    return f"{', '.join(labels[:-1])} {language.messages['or']} {labels[-1]}"


def _choice(step: Step, text: str, language: Language) -> Any:
    try:
        indexes = choose(step, text, language)
    except Unclear as unclear:
        if len(unclear.candidates) > 1:
            options = _labels(step, unclear.candidates, language)
            raise NoMatch(language.messages["which_one"].format(options=options)) from None
        everything = _labels(step, list(range(len(step.options))), language)
        raise NoMatch(language.messages["not_caught"].format(options=everything)) from None
    values = [step.options[i].value for i in indexes]
    return values if step.type == "multi_choice" else values[0]
