"""Understanding a spoken number: number words in the step's language, "out of", signs,
fractions, and the vague quantities that are not a number at all."""

from __future__ import annotations

import re

from ..survey.model import Step
from .corrections import last_correction
from .language import Language
from .phrases import contains_any

NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


class NotANumber(Exception):
    """Not one number that can be taken without guessing."""


def read_number(step: Step, transcript: str, language: Language) -> float | int:
    # Vague words are looked for before number words become digits ("hundreds" -> "100").
    said = language.without_fillers(language.normalize(transcript))
    if contains_any(said, language.vague):
        raise NotANumber()  # "forty-something", "more than ten"
    if _other_unit(said, step, language):
        raise NotANumber()  # "one hour" when the question counts minutes
    text = language.with_digits(transcript)
    text = last_correction(text, language.corrections, language.conjunctions,  # "30, no, 40"
                           keep=language.negations + language.exclusions)
    # Words the library leaves alone ("none", an unaccented "zero") come from the data.
    text = " ".join(str(language.small_numbers.get(w, w)) for w in text.split())
    if contains_any(text, language.negations):
        raise NotANumber()  # "not forty": what then?
    for sign in language.negative_sign:
        text = re.sub(rf"(?<!\S){re.escape(sign)} (?=\d)", "-", text)
    text = _without_scale(text, step, language)
    text = _with_fractions(text, language)
    numbers = NUMBER.findall(text)
    if len(numbers) != 1:
        raise NotANumber()
    value = float(numbers[0])
    return int(value) if value.is_integer() and "." not in numbers[0] else value


def _other_unit(said: str, step: Step, language: Language) -> bool:
    """A unit said that the question does not name: converting it would be a guess."""
    asked = language.normalize(step.prompt)
    return any(contains_any(said, words) and not contains_any(asked, words)
               for words in language.units.values())


def _without_scale(text: str, step: Step, language: Language) -> str:
    """"seven out of ten", "7/10": the number before the scale, only when the scale said is
    the step's own (rescaling "four out of five" to ten would be a guess)."""
    for phrase in language.out_of:
        found = re.search(rf"(-?\d+(?:\.\d+)?) {re.escape(phrase)} (\d+)(?!\S)", text)
        if found and step.max is not None and float(found.group(2)) == step.max:
            return text[:found.start()] + found.group(1) + text[found.end():]
    return text


def _with_fractions(text: str, language: Language) -> str:
    """"three and a half" -> 3.5 (an integer step then rejects it, never takes 3); any
    other fraction word leaves no number that can be trusted."""
    for phrase, value in language.fractions.items():
        pattern = re.compile(rf"(?<![\d.])(\d+) {re.escape(phrase)}(?!\S)")
        while found := pattern.search(text):
            whole = repr(int(found.group(1)) + value)
            text = text[:found.start()] + whole + text[found.end():]
    if contains_any(text, language.fraction_words):
        raise NotANumber()
    return text
