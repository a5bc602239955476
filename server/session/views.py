"""The server messages that show a session: welcome, step, complete."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..protocol import PROTOCOL_VERSION
from ..survey import Survey, progress
from ..survey.access_fields import fill_redirect
from .state import SessionState


def final_answers(state: SessionState) -> dict[str, Any]:
    """Every step on the final path: null for info and skipped steps, nothing off the path."""
    return {step: state.answers.get(step) for step in state.step_history}


def step_message(
    survey: Survey, state: SessionState, ack: int | None,
    history_answers: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """`history_answers`: the answers of the steps in state.step_history, when the caller
    has them already."""
    survey = survey.localized(state.language)
    current = state.current_step
    return {
        "type": "step",
        "ack": ack,
        "step": survey.steps[current].public,
        "answer": state.answers.get(current),
        "draft": state.drafts.get(current),
        "progress": progress(survey, state.step_history, current, state.answers,
                             history_answers),
        "can_go_back": bool(state.step_history),
    }


def complete_message(survey: Survey, state: SessionState, ack: int | None) -> dict[str, Any]:
    end = survey.localized(state.language).steps.get(state.current_step)
    message: dict[str, Any] = {
        "type": "complete",
        "ack": ack,
        "answers": final_answers(state),
        "message": end.prompt if end is not None else "",
    }
    if survey.on_complete_redirect is not None:
        message["redirect"] = fill_redirect(survey.on_complete_redirect, state.user_id, survey.id)
    return message


def current_view(survey: Survey, state: SessionState, ack: int | None) -> dict[str, Any]:
    """Where the respondent is now: the `step`, or `complete` once finished."""
    if state.completed:
        return complete_message(survey, state, ack)
    return step_message(survey, state, ack)


def welcome_message(
    survey: Survey, state: SessionState, *, resumed: bool, token: str | None
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "type": "welcome",
        "protocol": PROTOCOL_VERSION,
        "user_id": state.user_id,
    }
    if token is not None:
        message["token"] = token
    message.update(
        resumed=resumed,
        survey=survey.localized(state.language).summary(),
        state=state.public(survey.default_language),
        last_seq=state.last_seq,
    )
    return message
