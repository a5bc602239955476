"""Turns what a speech recogniser heard into a value for a step, or says it cannot."""

from __future__ import annotations

import re
from typing import Any

from text_to_num import alpha2digit  # type: ignore[import-untyped]

from ..survey.model import Step
from .choices import Unclear, choose
from .language import Language, contains_phrase, load_language, normalize

NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


class NoMatch(Exception):
    """The transcript could not be understood; the message says what can be said."""


def interpret(step: Step, transcript: str, language: Language | None = None) -> Any:
    """A value to check like a typed one (so out-of-range is invalid_answer), or NoMatch."""
    language = language or load_language()
    if step.type == "text":
        return transcript.strip()
    if step.type == "info":
        return None
    text = normalize(transcript)
    if not text:
        raise NoMatch("Sorry, I did not hear an answer. Please try again.")
    if step.type in ("single_choice", "multi_choice"):
        return _choice(step, text, language)
    if step.type == "yes_no":
        return _yes_no(text, language)
    return _number(text, language)


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


def _yes_no(text: str, language: Language) -> bool:
    # Doubt first ("not sure" must not count as "not"), then negation, which wins over a
    # later "yes" ("no... yes I mean" is too risky to read as yes).
    if any(contains_phrase(text, phrase) for phrase in language.unsure):
        raise NoMatch("Sorry, I need a yes or a no.")
    if any(contains_phrase(text, phrase) for phrase in language.no):
        return False
    if any(contains_phrase(text, phrase) for phrase in language.yes):
        return True
    if text in ("i think so", "think so"):
        return True
    raise NoMatch("Sorry, I did not catch that. Please say yes or no.")


def _number(text: str, language: Language) -> float | int:
    # The library reads number words ("a hundred and five"); single small words it leaves
    # alone ("zero", "none") come from the language data.
    converted = alpha2digit(text, language.code, threshold=0)
    digits = " ".join(str(language.small_numbers.get(w, w)) for w in converted.split())
    for sign in language.negative_sign:
        digits = re.sub(rf"\b{sign} (?=\d)", "-", digits)
    numbers = NUMBER.findall(digits)
    if len(numbers) == 2 and any(f" {p} " in f" {digits} " for p in language.out_of):
        numbers = numbers[:1]  # "seven out of ten"
    if len(numbers) != 1:
        raise NoMatch("Sorry, I did not catch one number. Please say it again.")
    value = float(numbers[0])
    return int(value) if value.is_integer() and "." not in numbers[0] else value
