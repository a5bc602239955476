"""One respondent's history (`session_history` rows) told in plain words for the console."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..store import HistoryRow
from ..survey import Survey
from .charts import answer_text

# Prompts are cut to this many characters in sentences (the answers table has them whole).
PROMPT_LENGTH = 60
REFUSALS = {
    "wrong_step": "an answer for another question than the current one was refused",
    "invalid_answer": "an answer was refused as not valid",
    "no_match": "spoken words did not match any answer",
    "cannot_go_back": "Back was refused: this was the first question",
    "completed": "a message came after the survey was completed and was refused",
}


@dataclass(frozen=True)
class Event:
    timestamp: str
    action: str
    text: str
    detail: str | None = None


def _prompt(survey: Survey | None, step_id: str | None) -> str:
    if step_id is None:
        return "no question"
    step = survey.steps.get(step_id) if survey else None
    if step is None:
        return f"step {step_id}"
    prompt = step.prompt if len(step.prompt) <= PROMPT_LENGTH else (
        step.prompt[:PROMPT_LENGTH].rsplit(" ", 1)[0] + "…")
    return f"“{prompt}”"


def _answer(survey: Survey | None, row: HistoryRow) -> tuple[str, str | None]:
    detail = row.answer if isinstance(row.answer, dict) else {}
    step = survey.steps.get(row.step) if survey and row.step else None
    if step is not None and step.type == "info":
        return f"Read {_prompt(survey, row.step)} and went on", None
    value = answer_text(step, detail.get("value"))
    if "transcript" in detail:
        return (f"Answered {_prompt(survey, row.step)} by voice",
                f"said “{detail['transcript']}”, taken as: {value}")
    return f"Answered {_prompt(survey, row.step)}", value


def _rejected(survey: Survey | None, row: HistoryRow) -> tuple[str, str | None]:
    detail: dict[str, Any] = row.answer if isinstance(row.answer, dict) else {}
    code = str(detail.get("code", ""))
    reason = REFUSALS.get(code, f"a message was refused ({code or 'no reason given'})")
    text = f"Refused at {_prompt(survey, row.step)}: {reason}"
    if "transcript" in detail:
        return text, f"said “{detail['transcript']}”"
    if "value" in detail:
        return text, f"sent: {detail['value']!r}"
    return text, None


def _drafts(survey: Survey | None, row: HistoryRow) -> tuple[str, str | None]:
    drafts = row.answer if isinstance(row.answer, dict) else {}
    if not drafts:
        return f"Draft cleared at {_prompt(survey, row.step)}", None
    parts = [f"{_prompt(survey, step)}: {value}" for step, value in drafts.items()]
    return "Draft saved (not yet an answer)", "; ".join(parts)


def _migrated(row: HistoryRow) -> tuple[str, str | None]:
    detail = row.answer if isinstance(row.answer, dict) else {}
    removed = detail.get("removed_steps") or []
    text = (f"Moved from survey version {detail.get('from_version')} "
            f"to version {detail.get('to_version')}")
    return text, (f"answers kept aside for removed steps: {', '.join(removed)}"
                  if removed else None)


def describe(survey: Survey | None, row: HistoryRow) -> Event:
    """One history row as a sentence (and a detail line where there is more to say)."""
    where = _prompt(survey, row.step)
    detail: str | None = None
    if row.action == "answer":
        text, detail = _answer(survey, row)
    elif row.action == "rejected":
        text, detail = _rejected(survey, row)
    elif row.action == "draft_saved":
        text, detail = _drafts(survey, row)
    elif row.action == "migrated":
        text, detail = _migrated(row)
    elif row.action == "audio_mode":
        enabled = isinstance(row.answer, dict) and row.answer.get("enabled")
        text = f"Turned reading aloud {'on' if enabled else 'off'} at {where}"
    elif row.action == "created":
        version = row.answer.get("survey_version") if isinstance(row.answer, dict) else None
        text = "Started the survey" + (f" (version {version})" if version else "")
    else:
        text = {
            "resumed": f"Connected again, at {where}",
            "back": f"Went back to {where}",
            "disconnected": f"Left the page (connection closed) at {where}",
            "superseded": "Opened on another page or device; the earlier one was closed",
            "completed": "Completed the survey",
        }.get(row.action, f"{row.action.replace('_', ' ').capitalize()} at {where}")
    return Event(row.timestamp, row.action, text, detail)


def timeline(survey: Survey | None, rows: list[HistoryRow]) -> list[Event]:
    return [describe(survey, row) for row in rows]
