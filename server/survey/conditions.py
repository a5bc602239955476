"""Branching conditions, evaluated in three-valued logic.

`True`/`False` when the answers decide the condition, `None` when they cannot yet
(a step still ahead of the respondent). Navigation only ever sees decided values;
the progress estimate uses `None` to fall back to a rule list's last rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Union

COMPARISONS = ("equals", "not_equals", "in", "contains", "gt", "gte", "lt", "lte")
OPERATORS = COMPARISONS + ("answered", "all", "any", "not")


class Unknown:
    """Marker for an answer not given yet (used only when estimating progress)."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = Unknown()
ABSENT = None  # unanswered, skipped, or off the current path: every comparison is false

# Maps a step id to its answer on the current path, ABSENT, or UNKNOWN.
AnswerLookup = Callable[[str], Any]


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def strict_equals(a: Any, b: Any) -> bool:
    """JSON equality that never confuses booleans with numbers (`true` is not `1`)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if is_number(a) and is_number(b):
        return bool(a == b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(strict_equals(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(strict_equals(a[k], b[k]) for k in a)
    return type(a) is type(b) and bool(a == b)


def _compare(op: str, answer: Any, operand: Any) -> bool:
    if op == "equals":
        return strict_equals(answer, operand)
    if op == "not_equals":
        return not strict_equals(answer, operand)
    if op == "in":
        return any(strict_equals(answer, item) for item in operand)
    if op == "contains":
        return isinstance(answer, list) and any(strict_equals(item, operand) for item in answer)
    if not (is_number(answer) and is_number(operand)):
        return False
    if op == "gt":
        return bool(answer > operand)
    if op == "gte":
        return bool(answer >= operand)
    if op == "lt":
        return bool(answer < operand)
    return bool(answer <= operand)  # lte


@dataclass(frozen=True)
class Compare:
    op: str
    step: str
    operand: Any

    def evaluate(self, lookup: AnswerLookup) -> bool | None:
        answer = lookup(self.step)
        if answer is UNKNOWN:
            return None
        if answer is ABSENT:
            return False
        return _compare(self.op, answer, self.operand)


@dataclass(frozen=True)
class Answered:
    step: str
    expected: bool

    def evaluate(self, lookup: AnswerLookup) -> bool | None:
        answer = lookup(self.step)
        if answer is UNKNOWN:
            return None
        return (answer is not ABSENT) == self.expected


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Condition, ...]

    def evaluate(self, lookup: AnswerLookup) -> bool | None:
        results = [part.evaluate(lookup) for part in self.parts]
        if False in results:
            return False
        return None if None in results else True


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Condition, ...]

    def evaluate(self, lookup: AnswerLookup) -> bool | None:
        results = [part.evaluate(lookup) for part in self.parts]
        if True in results:
            return True
        return None if None in results else False


@dataclass(frozen=True)
class Not:
    part: Condition

    def evaluate(self, lookup: AnswerLookup) -> bool | None:
        result = self.part.evaluate(lookup)
        return None if result is None else not result


Condition = Union[Compare, Answered, AllOf, AnyOf, Not]
