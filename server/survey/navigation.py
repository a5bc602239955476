"""Where an answer leads, and how far along the respondent is."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .conditions import ABSENT, UNKNOWN
from .model import Survey


def on_path_answers(
    answers: Mapping[str, Any], step_history: Sequence[str], current_step: str
) -> dict[str, Any]:
    """The stored answers of the steps on the path (history plus the current step)."""
    path = [*step_history, current_step]
    return {step: answers[step] for step in path if step in answers}


def next_step(survey: Survey, step_id: str, path_answers: Mapping[str, Any]) -> str:
    """The step that follows `step_id`, given the answers on the path (including step_id's)."""

    def lookup(other: str) -> Any:
        return path_answers.get(other, ABSENT)

    rules = survey.steps[step_id].rules
    for rule in rules:
        if rule.condition is None or rule.condition.evaluate(lookup):
            return rule.goto
    # Unreachable for a checked survey: the last rule always has no condition.
    return rules[-1].goto


def estimated_remaining(
    survey: Survey, current_step: str, path_answers: Mapping[str, Any]
) -> int:
    """Steps still expected from `current_step` (included) to the end step (excluded).

    Answers on the path decide conditions; a condition that tests a step not yet
    answered cannot be decided, and the rule list's last rule is assumed.
    """
    pending: set[str] = set()

    def lookup(other: str) -> Any:
        if other in pending:
            return UNKNOWN
        return path_answers.get(other, ABSENT)

    count = 0
    node = current_step
    while not survey.steps[node].is_end:
        count += 1
        pending.add(node)
        rules = survey.steps[node].rules
        node = rules[-1].goto
        for rule in rules:
            decided = True if rule.condition is None else rule.condition.evaluate(lookup)
            if decided is None:
                break
            if decided:
                node = rule.goto
                break
    return count


def progress(
    survey: Survey, step_history: Sequence[str], current_step: str, answers: Mapping[str, Any],
    history_answers: Mapping[str, Any] | None = None,
) -> dict[str, int]:
    """`history_answers`, if given, must be the answers of the steps in step_history."""
    answered = len(step_history)
    if history_answers is None:
        history_answers = {s: answers[s] for s in step_history if s in answers}
    total = answered + estimated_remaining(survey, current_step, history_answers)
    percent = (100 * answered) // total if total else 100
    return {
        "position": answered + 1,
        "answered": answered,
        "estimated_total": total,
        "percent": percent,
    }
