"""Turns what a speech recogniser heard into a value for a step, or says it cannot."""

from __future__ import annotations

from typing import Any

from ..survey.model import Step
from .choices import Unclear, choose
from .language import DEFAULT_LANGUAGE, Language, load_language
from .numbers import NotANumber, read_number
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
        raise NoMatch("Sorry, I did not hear an answer. Please try again.")
    if step.type in ("single_choice", "multi_choice"):
        return _choice(step, words.normalize(transcript), words)
    if step.type == "yes_no":
        try:
            return read_yes_no(transcript, words)
        except NotYesOrNo:
            raise NoMatch("Sorry, I need a yes or a no.") from None
    try:
        return read_number(step, transcript, words)
    except NotANumber:
        raise NoMatch("Sorry, I did not catch one number. Please say it again.") from None


def _labels(step: Step, indexes: list[int]) -> str:
    labels = [step.options[i].label for i in indexes]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]


def _choice(step: Step, text: str, language: Language) -> Any:
    try:
        indexes = choose(step, text, language)
    except Unclear as unclear:
        if len(unclear.candidates) > 1:
            raise NoMatch(
                f"Did you mean {_labels(step, unclear.candidates)}? Please say just one."
            ) from None
        everything = _labels(step, list(range(len(step.options))))
        raise NoMatch(f"Sorry, I did not catch that. You can say {everything}.") from None
    values = [step.options[i].value for i in indexes]
    return values if step.type == "multi_choice" else values[0]
