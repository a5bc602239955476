"""What the console draws, shaped from the figures: the funnel's bars and the answer tables.

The geometry is computed here once, so the template only places numbers (the one place
where the funnel is drawn: the live view re-fetches the server-rendered markup).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..survey import Step, Survey

# The funnel's drawing, in SVG user units (it scales with the page).
LABEL_WIDTH = 150
BAR_SPACE = 360
ROW_HEIGHT = 34
BAR_HEIGHT = 22
TOP = 8


@dataclass(frozen=True)
class FunnelBar:
    step_id: str
    prompt: str
    reached: int
    answered: int
    stopped_here: int
    y: int
    text_y: int
    reached_width: float
    # The part of the reached bar that stopped here, drawn at its right end.
    stopped_x: float
    stopped_width: float


@dataclass(frozen=True)
class Funnel:
    bars: list[FunnelBar]
    width: int
    height: int
    label_width: int
    bar_height: int


def funnel(figures: dict[str, Any]) -> Funnel:
    steps = figures["steps"]
    widest = max([step["reached"] for step in steps] + [1])
    bars = []
    for index, step in enumerate(steps):
        reached_width = round(BAR_SPACE * step["reached"] / widest, 1)
        stopped_width = round(BAR_SPACE * step["stopped_here"] / widest, 1)
        y = TOP + index * ROW_HEIGHT
        bars.append(FunnelBar(
            step_id=step["id"], prompt=step["prompt"], reached=step["reached"],
            answered=step["answered"], stopped_here=step["stopped_here"], y=y,
            text_y=y + BAR_HEIGHT // 2 + 5, reached_width=reached_width,
            stopped_x=LABEL_WIDTH + reached_width - stopped_width, stopped_width=stopped_width,
        ))
    return Funnel(bars, LABEL_WIDTH + BAR_SPACE + 150, TOP * 2 + len(bars) * ROW_HEIGHT,
                  LABEL_WIDTH, BAR_HEIGHT)


def value_label(step: Step, value: str) -> str:
    """How a counted value (JSON text, as figures key it) reads for a person."""
    if step.type == "yes_no":
        return {"true": "Yes", "false": "No"}.get(value, value)
    for option in step.options:
        if option.value == value:
            return option.label
    return value


@dataclass(frozen=True)
class CountRow:
    label: str
    count: int
    percent: int  # of the sessions that answered the step


@dataclass(frozen=True)
class Question:
    step_id: str
    prompt: str
    type: str
    reached: int
    answered: int
    counts: list[CountRow] | None
    summary: dict[str, Any] | None


def questions(survey: Survey, figures: dict[str, Any]) -> list[Question]:
    """Every step that takes an answer, with its distribution (counts or a number summary)."""
    found = []
    for step_figures in figures["steps"]:
        step = survey.steps.get(step_figures["id"])
        if step is None or step.type == "info":
            continue
        answered = step_figures["answered"]
        counts = None
        if "counts" in step_figures:
            counts = [CountRow(value_label(step, value), count,
                               round(100 * count / answered) if answered else 0)
                      for value, count in step_figures["counts"].items()]
        found.append(Question(step.id, step.prompt, step.type, step_figures["reached"],
                              answered, counts, step_figures.get("summary")))
    return found


def answer_text(step: Step | None, value: Any) -> str:
    """An answer in words: option labels rather than values, Yes/No, lists joined."""
    if value is None:
        return "(skipped)"
    if step is None:
        return str(value)
    if step.type == "yes_no" and isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(value_label(step, str(item)) for item in value) or "(none)"
    if step.type == "single_choice":
        return value_label(step, str(value))
    return str(value)
