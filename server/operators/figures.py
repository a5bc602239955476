"""The figures of OPERATORS.md, shaped from what the database computed (store.results)."""

from __future__ import annotations

from typing import Any

from ..store import NumberSummary, RawFigures, StepKinds
from ..survey import Step, Survey

COUNTED_ONE_VALUE = ("single_choice", "scale", "yes_no")


def step_kinds(survey: Survey) -> StepKinds:
    steps = [survey.steps[step_id] for step_id in survey.order]
    return StepKinds(
        scalar_counted=[s.id for s in steps if s.type in COUNTED_ONE_VALUE],
        multi_counted=[s.id for s in steps if s.type == "multi_choice"],
        numbers=[s.id for s in steps if s.type == "number"],
    )


def possible_values(step: Step) -> list[str]:
    """Every value a counted step can take, as figures key it (JSON text, strings bare)."""
    if step.type in ("single_choice", "multi_choice"):
        return list(step.option_values())
    if step.type == "yes_no":
        return ["true", "false"]
    assert step.min is not None and step.max is not None  # a scale always has both
    return [str(n) for n in range(int(step.min), int(step.max) + 1)]


def _number(value: float) -> float | int:
    """Whole numbers as integers (25, not 25.0), others to three decimals."""
    return int(value) if float(value).is_integer() else round(value, 3)


def _summary(found: NumberSummary | None) -> dict[str, Any]:
    if found is None:
        return {"n": 0, "mean": None, "median": None, "min": None, "max": None}
    return {"n": found.n, "mean": round(found.mean, 3), "median": _number(found.median),
            "min": _number(found.min), "max": _number(found.max)}


def _step_figures(step: Step, raw: RawFigures) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": step.id, "prompt": step.prompt, "type": step.type,
        "reached": raw.reached.get(step.id, 0), "answered": raw.answered.get(step.id, 0),
        "stopped_here": raw.stopped_here.get(step.id, 0),
    }
    if step.type in (*COUNTED_ONE_VALUE, "multi_choice"):
        counted = raw.value_counts.get(step.id, {})
        body["counts"] = {value: counted.get(value, 0) for value in possible_values(step)}
    elif step.type == "number":
        body["summary"] = _summary(raw.numbers.get(step.id))
    return body


def figures_body(survey: Survey, raw: RawFigures) -> dict[str, Any]:
    counts = raw.counts
    median = raw.median_duration_seconds
    return {
        "survey": survey.id,
        "sessions": counts.as_dict(),
        "completion_rate": round(counts.completed / counts.total, 3) if counts.total else 0,
        "median_duration_seconds": None if median is None else round(median, 1),
        "steps": [_step_figures(survey.steps[step_id], raw) for step_id in survey.order
                  if not survey.steps[step_id].is_end],
    }
