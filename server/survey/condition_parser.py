"""Turns the `if` objects of a survey file into checked Condition trees."""

from __future__ import annotations

from typing import Any

from .conditions import (
    COMPARISONS,
    OPERATORS,
    AllOf,
    Answered,
    AnyOf,
    Compare,
    Condition,
    Not,
    is_number,
)
from .errors import SurveyError, json_type_name

ORDERED = ("gt", "gte", "lt", "lte")


def parse_condition(raw: Any, path: str, own_step: str) -> Condition:
    """Parse one condition; `own_step` is the step a comparison tests unless `step` says."""
    if not isinstance(raw, dict):
        raise SurveyError(path, f"a condition must be an object, not {json_type_name(raw)}")
    unknown = sorted(set(raw) - set(OPERATORS) - {"step"})
    if unknown:
        raise SurveyError(
            f"{path}.{unknown[0]}",
            f"unknown operator '{unknown[0]}' (known: {', '.join(OPERATORS)})",
        )
    subject = raw.get("step", own_step)
    if not isinstance(subject, str):
        raise SurveyError(f"{path}.step", "must be a step id (a string)")
    parts = [_parse_operator(op, raw[op], f"{path}.{op}", subject) for op in OPERATORS if op in raw]
    if not parts:
        raise SurveyError(path, "a condition needs at least one operator")
    return parts[0] if len(parts) == 1 else AllOf(tuple(parts))


def _parse_operator(op: str, operand: Any, path: str, subject: str) -> Condition:
    if op in ("all", "any"):
        if not isinstance(operand, list) or not operand:
            raise SurveyError(path, f"'{op}' takes a non-empty list of conditions")
        parts = tuple(
            parse_condition(item, f"{path}[{i}]", subject) for i, item in enumerate(operand)
        )
        return AllOf(parts) if op == "all" else AnyOf(parts)
    if op == "not":
        return Not(parse_condition(operand, path, subject))
    if op == "answered":
        if not isinstance(operand, bool):
            raise SurveyError(path, "'answered' takes true or false")
        return Answered(subject, operand)
    if op == "in" and not isinstance(operand, list):
        raise SurveyError(path, "'in' takes a list of values")
    if op in ORDERED and not is_number(operand):
        raise SurveyError(path, f"'{op}' takes a number, not {json_type_name(operand)}")
    if isinstance(operand, dict):
        raise SurveyError(path, f"'{op}' cannot compare with an object")
    assert op in COMPARISONS
    return Compare(op, subject, operand)


def condition_steps(condition: Condition) -> list[str]:
    """Every step id a condition refers to."""
    if isinstance(condition, (Compare, Answered)):
        return [condition.step]
    if isinstance(condition, Not):
        return condition_steps(condition.part)
    return [step for part in condition.parts for step in condition_steps(part)]


def comparisons(condition: Condition) -> list[Compare]:
    if isinstance(condition, Compare):
        return [condition]
    if isinstance(condition, Answered):
        return []
    if isinstance(condition, Not):
        return comparisons(condition.part)
    return [c for part in condition.parts for c in comparisons(part)]
