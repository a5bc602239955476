"""Checks a respondent's value against a step, with messages a respondent can read."""

from __future__ import annotations

from typing import Any

from ..wellformed import is_well_formed
from ..wording import Worded
from .conditions import is_number
from .model import Step


class InvalidAnswer(Worded):
    """The value does not fit the step; the message is shown to the respondent.

    `str(exc)` is the English text; `exc.in_language(tag)` the respondent's.
    """


def _format(number: float | None) -> str:
    if number is None:
        return ""
    return str(int(number)) if float(number).is_integer() else str(number)


def _not_a_number(step: Step, whole: bool) -> InvalidAnswer:
    """'Please enter a (whole) number', with the step's range when it has one."""
    kind = "answer.whole" if whole else "answer.number"
    low, high = _format(step.min), _format(step.max)
    if step.min is not None and step.max is not None:
        return InvalidAnswer(f"{kind}_between", min=low, max=high)
    if step.min is not None:
        return InvalidAnswer(f"{kind}_at_least", min=low)
    if step.max is not None:
        return InvalidAnswer(f"{kind}_at_most", max=high)
    return InvalidAnswer(kind)


def validate_value(step: Step, value: Any) -> Any:
    """Return the value as stored (whole floats become ints where an integer is asked)."""
    if step.type == "info":
        if value is not None:
            raise InvalidAnswer("answer.no_answer_here")
        return None
    if value is None:
        if step.required:
            raise InvalidAnswer("answer.required")
        return None
    check = _CHECKS[step.type]
    return check(step, value)


def _single_choice(step: Step, value: Any) -> Any:
    if not isinstance(value, str) or value not in step.option_values():
        raise InvalidAnswer("answer.choose_one")
    return value


def _multi_choice(step: Step, value: Any) -> Any:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidAnswer("answer.choose_from")
    allowed = step.option_values()
    if any(v not in allowed for v in value):
        raise InvalidAnswer("answer.choose_shown")
    if len(set(value)) != len(value):
        raise InvalidAnswer("answer.choose_once")
    if len(value) < step.min_selected:
        if step.min_selected == 1:
            raise InvalidAnswer("answer.choose_at_least_one")
        raise InvalidAnswer("answer.choose_at_least", n=step.min_selected)
    if len(value) > step.max_selected:
        if step.max_selected == 1:
            raise InvalidAnswer("answer.choose_at_most_one")
        raise InvalidAnswer("answer.choose_at_most", n=step.max_selected)
    return list(value)


def _text(step: Step, value: Any) -> Any:
    if not isinstance(value, str):
        raise InvalidAnswer("answer.text")
    if not is_well_formed(value):
        # A lone surrogate (half an emoji): it could be neither stored nor sent back.
        raise InvalidAnswer("answer.unreadable")
    if len(value) > step.max_length:
        raise InvalidAnswer("answer.too_long", max_length=step.max_length)
    if step.required and not value.strip():
        raise InvalidAnswer("answer.blank")
    return value


def _number(step: Step, value: Any) -> Any:
    whole = step.integer or step.type == "scale"
    if not is_number(value):
        raise _not_a_number(step, whole)
    if whole:
        if not float(value).is_integer():
            raise _not_a_number(step, whole=True)
        value = int(value)
    out_of_range = (step.min is not None and value < step.min) or (
        step.max is not None and value > step.max
    )
    if out_of_range:
        raise _not_a_number(step, whole)
    return value


def _yes_no(step: Step, value: Any) -> Any:
    if not isinstance(value, bool):
        raise InvalidAnswer("answer.yes_no")
    return value


_CHECKS = {
    "single_choice": _single_choice,
    "multi_choice": _multi_choice,
    "text": _text,
    "number": _number,
    "scale": _number,
    "yes_no": _yes_no,
}
