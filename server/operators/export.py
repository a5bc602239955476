"""The export layout of OPERATORS.md: columns, cells, CSV and JSONL lines, and the codebook.

Pure functions of a survey and stored rows; the HTTP route and the `export` command both
stream what `csv_lines`/`jsonl_lines` yield, so they send exactly the same bytes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from .. import strict_json
from ..store import SessionRow
from ..survey import Step, Survey

Format = Literal["csv", "jsonl"]
FORMATS: tuple[Format, ...] = ("csv", "jsonl")
# Characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BYTE_ORDER_MARK = "\ufeff"
# Rows encoded per chunk sent: small enough to start at once, big enough to be cheap.
ROWS_PER_CHUNK = 200

FIXED_COLUMNS: tuple[tuple[str, str], ...] = (
    ("user_id", "text"), ("status", "text"), ("created_at", "datetime"),
    ("completed_at", "datetime"), ("duration_seconds", "number"), ("survey_version", "number"),
    ("language", "text"), ("is_audio_mode", "boolean"),
)


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str
    step: Step | None = None
    option: str | None = None  # a multi_choice column's option value
    label: str | None = None

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name, "step": self.step.id if self.step else None, "type": self.type,
            "prompt": self.step.prompt if self.step else None, "option": self.option,
            "label": self.label,
        }


def columns(survey: Survey) -> list[Column]:
    found = [Column(name, kind) for name, kind in FIXED_COLUMNS]
    for step_id in survey.order:
        step = survey.steps[step_id]
        if step.type in ("info", "end"):
            continue
        if step.type == "multi_choice":
            found.extend(Column(f"{step.id}.{o.value}", step.type, step, o.value, o.label)
                         for o in step.options)
        else:
            found.append(Column(step.id, step.type, step))
    return found


def codebook(survey: Survey) -> dict[str, Any]:
    return {"columns": [column.describe() for column in columns(survey)]}


def path_answers(row: SessionRow, survey: Survey) -> dict[str, Any]:
    """As in `complete`: each step on the final path but the end step; null where skipped.

    Steps removed from the survey since are left out: a session not resumed since the
    change still has them in its history.
    """
    steps = [step for step in row.step_history if step in survey.steps]
    current = survey.steps.get(row.current_step)
    if row.current_step in row.answers and current is not None and not current.is_end:
        steps.append(row.current_step)
    return {step: row.answers.get(step) for step in steps}


def duration_seconds(row: SessionRow) -> float | None:
    if row.completed_at is None:
        return None
    elapsed = datetime.fromisoformat(row.completed_at) - datetime.fromisoformat(row.created_at)
    return round(elapsed.total_seconds(), 1)


def _guarded(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _cell(column: Column, answers: dict[str, Any]) -> str:
    assert column.step is not None
    value = answers.get(column.step.id)
    if value is None:
        return ""
    if column.option is not None:
        return "1" if column.option in value else "0"
    if value is True or value is False:
        return "1" if value else "0"
    if isinstance(value, str):
        return _guarded(value)
    return strict_json.dumps(value)


def csv_row(row: SessionRow, survey: Survey, layout: list[Column]) -> list[str]:
    duration = duration_seconds(row)
    cells = [
        _guarded(row.user_id), row.status, row.created_at, row.completed_at or "",
        "" if duration is None else f"{duration:.1f}", str(row.survey_version),
        row.language or survey.default_language, "1" if row.is_audio_mode else "0",
    ]
    answers = path_answers(row, survey)
    cells.extend(_cell(column, answers) for column in layout[len(FIXED_COLUMNS):])
    return cells


def jsonl_object(row: SessionRow, survey: Survey) -> dict[str, Any]:
    return {
        "user_id": row.user_id, "status": row.status, "created_at": row.created_at,
        "completed_at": row.completed_at, "duration_seconds": duration_seconds(row),
        "survey_version": row.survey_version,
        "language": row.language or survey.default_language,
        "is_audio_mode": row.is_audio_mode, "answers": path_answers(row, survey),
    }


class _Chunk:
    """A CSV writer into a buffer that is handed out and emptied a chunk at a time."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\r\n")

    def take(self) -> str:
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text


async def csv_lines(
    rows: AsyncIterator[SessionRow], survey: Survey, excel: bool = False
) -> AsyncIterator[str]:
    layout = columns(survey)
    chunk = _Chunk()
    if excel:  # so that Excel reads the file as UTF-8
        chunk.buffer.write(BYTE_ORDER_MARK)
    chunk.writer.writerow([column.name for column in layout])
    pending = 0
    async for row in rows:
        chunk.writer.writerow(csv_row(row, survey, layout))
        pending += 1
        if pending == ROWS_PER_CHUNK:
            yield chunk.take()
            pending = 0
    yield chunk.take()


async def jsonl_lines(rows: AsyncIterator[SessionRow], survey: Survey) -> AsyncIterator[str]:
    batch: list[str] = []
    async for row in rows:
        batch.append(strict_json.dumps(jsonl_object(row, survey)) + "\n")
        if len(batch) == ROWS_PER_CHUNK:
            yield "".join(batch)
            batch.clear()
    yield "".join(batch)
