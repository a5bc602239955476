"""Starting a session, and carrying it over when its survey has changed."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..store.records import HistoryEntry
from ..survey import Survey, next_step
from ..survey.languages import negotiate
from .state import SessionState

REMOVED = "removed_answers"


def new_session(
    survey: Survey, user_id: str, client: dict[str, Any] | None = None,
    preferred_languages: str | None = None,
) -> SessionState:
    extra = {"client": client} if client else {}
    return SessionState(
        user_id=user_id,
        survey_id=survey.id,
        survey_version=survey.version,
        current_step=survey.first_step,
        extra=extra,
        language=negotiate(preferred_languages, survey.languages),
    )


def carry_over(survey: Survey, state: SessionState) -> tuple[SessionState, HistoryEntry | None]:
    """Fit a session started on another version of its survey to the current one.

    Answers to removed steps move to `removed_answers` (kept, never exported); a current
    step that no longer exists gives way to the first unanswered step on the path.
    """
    if state.survey_version == survey.version:
        return state, None
    answers = {k: v for k, v in state.answers.items() if k in survey.steps}
    removed = {k: v for k, v in state.answers.items() if k not in survey.steps}
    history = tuple(s for s in state.step_history if s in survey.steps)
    current = state.current_step
    completed = state.completed
    if current not in survey.steps or (completed and not survey.steps[current].is_end):
        history, current = _first_unanswered(survey, answers)
        completed = survey.steps[current].is_end
    extra = dict(state.extra)
    if removed:
        extra[REMOVED] = {**extra.get(REMOVED, {}), **removed}
    new_state = replace(
        state,
        survey_version=survey.version,
        answers=answers,
        step_history=history,
        current_step=current,
        completed=completed,
        drafts={k: v for k, v in state.drafts.items() if k in survey.steps},
        extra=extra,
    )
    detail = {
        "from_version": state.survey_version,
        "to_version": survey.version,
        "removed_steps": sorted(removed),
    }
    return new_state, HistoryEntry("migrated", current, detail)


def _first_unanswered(survey: Survey, answers: dict[str, Any]) -> tuple[tuple[str, ...], str]:
    path: list[str] = []
    node = survey.first_step
    while not survey.steps[node].is_end and node in answers:
        path.append(node)
        node = next_step(survey, node, {s: answers[s] for s in path})
    return tuple(path), node
