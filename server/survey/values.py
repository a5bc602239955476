"""Checks a respondent's value against a step, with messages a respondent can read."""

from __future__ import annotations

from typing import Any

from ..wellformed import is_well_formed
from .conditions import is_number
from .model import Step


class InvalidAnswer(Exception):
    """The value does not fit the step; the message is shown to the respondent."""


def _format(number: float | None) -> str:
    if number is None:
        return ""
    return str(int(number)) if float(number).is_integer() else str(number)


def _range_phrase(step: Step) -> str:
    if step.min is not None and step.max is not None:
        return f" between {_format(step.min)} and {_format(step.max)}"
    if step.min is not None:
        return f" of at least {_format(step.min)}"
    if step.max is not None:
        return f" of at most {_format(step.max)}"
    return ""


def validate_value(step: Step, value: Any) -> Any:
    """Return the value as stored (whole floats become ints where an integer is asked)."""
    if step.type == "info":
        if value is not None:
            raise InvalidAnswer("This screen takes no answer; just continue.")
        return None
    if value is None:
        if step.required:
            raise InvalidAnswer("Please answer this question to continue.")
        return None
    check = _CHECKS[step.type]
    return check(step, value)


def _single_choice(step: Step, value: Any) -> Any:
    if not isinstance(value, str) or value not in step.option_values():
        raise InvalidAnswer("Please choose one of the options.")
    return value


def _multi_choice(step: Step, value: Any) -> Any:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidAnswer("Please choose from the options.")
    allowed = step.option_values()
    if any(v not in allowed for v in value):
        raise InvalidAnswer("Please choose only from the options shown.")
    if len(set(value)) != len(value):
        raise InvalidAnswer("Each option can be chosen only once.")
    if len(value) < step.min_selected:
        noun = "option" if step.min_selected == 1 else "options"
        raise InvalidAnswer(f"Please choose at least {step.min_selected} {noun}.")
    if len(value) > step.max_selected:
        noun = "option" if step.max_selected == 1 else "options"
        raise InvalidAnswer(f"Please choose at most {step.max_selected} {noun}.")
    return list(value)


def _text(step: Step, value: Any) -> Any:
    if not isinstance(value, str):
        raise InvalidAnswer("Please type your answer as text.")
    if not is_well_formed(value):
        # A lone surrogate (half an emoji): it could be neither stored nor sent back.
        raise InvalidAnswer("Your answer holds a character that could not be read; please retype it.")
    if len(value) > step.max_length:
        raise InvalidAnswer(
            f"Your answer is too long: at most {step.max_length} characters, please."
        )
    if step.required and not value.strip():
        raise InvalidAnswer("Please type an answer to continue.")
    return value


def _number(step: Step, value: Any) -> Any:
    whole = step.integer or step.type == "scale"
    if not is_number(value):
        kind = "a whole number" if whole else "a number"
        raise InvalidAnswer(f"Please enter {kind}{_range_phrase(step)}.")
    if whole:
        if not float(value).is_integer():
            raise InvalidAnswer(f"Please enter a whole number{_range_phrase(step)}.")
        value = int(value)
    out_of_range = (step.min is not None and value < step.min) or (
        step.max is not None and value > step.max
    )
    if out_of_range:
        kind = "a whole number" if whole else "a number"
        raise InvalidAnswer(f"Please enter {kind}{_range_phrase(step)}.")
    return value


def _yes_no(step: Step, value: Any) -> Any:
    if not isinstance(value, bool):
        raise InvalidAnswer("Please answer yes or no.")
    return value


_CHECKS = {
    "single_choice": _single_choice,
    "multi_choice": _multi_choice,
    "text": _text,
    "number": _number,
    "scale": _number,
    "yes_no": _yes_no,
}
