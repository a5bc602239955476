"""The session state machine: (state, message) -> (new state, replies, history rows).

Pure: no sockets, no SQL, no clocks. Every rule of PROTOCOL.md about seq, navigation,
drafts and completion lives here, so it can be tested exhaustively on its own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..protocol import MAX_DRAFT_BYTES, ErrorCode, error
from ..store.records import HistoryEntry
from ..survey import InvalidAnswer, Survey, next_step, validate_value
from ..survey.conditions import strict_equals
from ..survey.languages import pick
from ..voice import NoMatch, interpret
from ..wellformed import well_formed
from ..wording import say
from .messages import (
    Answer,
    Back,
    Draft,
    ProtocolError,
    SeqMessage,
    SetAudioMode,
    SetLanguage,
    VoiceAnswer,
)
from .state import SessionState
from .views import complete_message, current_view, step_message


@dataclass(frozen=True, slots=True)
class Transition:
    state: SessionState
    replies: tuple[dict[str, Any], ...] = ()
    history: tuple[HistoryEntry, ...] = ()
    # True when the new state must be durably committed before any reply is sent.
    commit: bool = False
    # True when only unsaved work (drafts) changed: the autosave picks it up.
    drafts_changed: bool = False


def handle(survey: Survey, state: SessionState, message: SeqMessage | Draft) -> Transition:
    # Every translation has the same steps and branches: work in the session's language.
    survey = survey.localized(state.language)
    if isinstance(message, Draft):
        return _draft(survey, state, message)
    seq = message.seq
    if seq <= state.last_seq:
        # A duplicate: answered with where the session is, never applied again.
        return Transition(state, (current_view(survey, state, seq),))
    if seq > state.last_seq + 1:
        expected = state.last_seq + 1
        reply = error(ErrorCode.SEQ_GAP, f"Expected seq {expected}.", None, expected=expected)
        return Transition(state, (reply,))
    if state.completed:
        return _reject(state, message, ErrorCode.COMPLETED, say(survey.language, "completed"))
    if isinstance(message, (Answer, VoiceAnswer)):
        return _answer(survey, state, message)
    if isinstance(message, Back):
        return _back(survey, state, message)
    if isinstance(message, SetLanguage):
        return _language(survey, state, message)
    return _audio_mode(state, message)


def _message_type(message: SeqMessage) -> str:
    names = {Answer: "answer", Back: "back", SetAudioMode: "set_audio_mode",
             SetLanguage: "set_language"}
    return names.get(type(message), "voice_answer")


# What a rejected message leaves in the history, at most: one address must not be able to
# grow the database by 64 KiB per refused message.
MAX_REJECTED_VALUE = 256
MAX_REJECTED_STEP = 128


def _clipped(value: Any) -> tuple[Any, bool]:
    """`value`, or its text cut to MAX_REJECTED_VALUE characters; and whether it was cut."""
    if isinstance(value, str):
        return value[:MAX_REJECTED_VALUE], len(value) > MAX_REJECTED_VALUE
    text = json.dumps(value, ensure_ascii=False)
    if len(text) <= MAX_REJECTED_VALUE:
        return value, False
    return text[:MAX_REJECTED_VALUE], True


def _reject(
    state: SessionState, message: SeqMessage, code: ErrorCode, text: str, **extra: Any
) -> Transition:
    """A message processed once and refused: last_seq moves, nothing else does."""
    new_state = state.evolve(last_seq=message.seq)
    detail: dict[str, Any] = {"type": _message_type(message), "code": code.value}
    if isinstance(message, Answer):
        # A refused value may hold lone surrogates, which SQLite cannot store as text.
        detail["value"], cut = _clipped(well_formed(message.value))
        if cut:
            detail["truncated"] = True
    if isinstance(message, VoiceAnswer):
        # Already bounded where it is parsed (messages.py: cut to the transcript limit).
        detail["transcript"] = message.transcript
    step = getattr(message, "step", None)
    if isinstance(step, str):
        step = step[:MAX_REJECTED_STEP]
    row = HistoryEntry("rejected", step, detail, message.seq)
    return Transition(new_state, (error(code, text, message.seq, **extra),), (row,), commit=True)


def _answer(survey: Survey, state: SessionState, message: Answer | VoiceAnswer) -> Transition:
    current = state.current_step
    if message.step != current:
        return _reject(
            state, message, ErrorCode.WRONG_STEP,
            say(survey.language, "wrong_step"), current=current,
        )
    step = survey.steps[current]
    recorded: dict[str, Any] = {}
    if isinstance(message, VoiceAnswer):
        # The spoken words become a value, then are checked exactly like a typed answer.
        recorded["transcript"] = message.transcript
        if message.overlong:
            return _reject(
                state, message, ErrorCode.INVALID_ANSWER,
                say(survey.language, "transcript_too_long"), step=current,
            )
        try:
            raw = interpret(step, message.transcript, survey.language)
        except NoMatch as exc:
            return _reject(state, message, ErrorCode.NO_MATCH, str(exc), step=current)
    else:
        raw = message.value
    try:
        value = validate_value(step, raw)
    except InvalidAnswer as exc:
        return _reject(state, message, ErrorCode.INVALID_ANSWER,
                       exc.in_language(survey.language), step=current)
    return _advance(survey, state, message.seq, value, {"value": value, **recorded})


def _advance(
    survey: Survey, state: SessionState, seq: int, value: Any, recorded: dict[str, Any]
) -> Transition:
    current = state.current_step
    answers = {**state.answers, current: value}
    history = (*state.step_history, current)
    path = {s: answers[s] for s in history if s in answers}  # decides the branches ahead
    following = next_step(survey, current, path)
    completed = survey.steps[following].is_end
    drafts = state.drafts
    if completed:
        drafts = {}
    elif current in drafts:  # the draft became the answer
        drafts = {k: v for k, v in drafts.items() if k != current}
    new_state = state.evolve(
        answers=answers, step_history=history, current_step=following,
        completed=completed, drafts=drafts, last_seq=seq,
    )
    if completed:
        rows = (HistoryEntry("answer", current, recorded, seq),
                HistoryEntry("completed", following, None, seq))
        return Transition(new_state, (complete_message(survey, new_state, seq),), rows, True)
    reply = step_message(survey, new_state, seq, path)
    return Transition(new_state, (reply,), (HistoryEntry("answer", current, recorded, seq),), True)


def _back(survey: Survey, state: SessionState, message: Back) -> Transition:
    if not state.step_history:
        return _reject(state, message, ErrorCode.CANNOT_GO_BACK,
                       say(survey.language, "cannot_go_back"))
    previous = state.step_history[-1]
    new_state = state.evolve(
        current_step=previous, step_history=state.step_history[:-1], last_seq=message.seq
    )
    row = HistoryEntry("back", previous, None, message.seq)
    return Transition(new_state, (step_message(survey, new_state, message.seq),), (row,), True)


def _audio_mode(state: SessionState, message: SetAudioMode) -> Transition:
    new_state = state.evolve(is_audio_mode=message.enabled, last_seq=message.seq)
    row = HistoryEntry("audio_mode", state.current_step, {"enabled": message.enabled}, message.seq)
    reply = {"type": "audio_mode", "ack": message.seq, "enabled": message.enabled}
    return Transition(new_state, (reply,), (row,), commit=True)


def _language(survey: Survey, state: SessionState, message: SetLanguage) -> Transition:
    language = pick(message.language, survey.languages)
    if language is None:
        return _reject(
            state, message, ErrorCode.INVALID_ANSWER,
            say(survey.language, "languages", languages=", ".join(survey.languages)),
            step=state.current_step, languages=list(survey.languages),
        )
    new_state = state.evolve(language=language, last_seq=message.seq)
    row = HistoryEntry("language", state.current_step, {"language": language}, message.seq)
    return Transition(new_state, (current_view(survey, new_state, message.seq),), (row,), True)


def _draft(survey: Survey, state: SessionState, message: Draft) -> Transition:
    if state.completed or message.step != state.current_step:
        return Transition(state)  # ignored, as PROTOCOL.md says
    step = survey.steps[message.step]
    value = message.value
    too_long = step.type == "text" and isinstance(value, str) and len(value) > step.max_length
    if too_long or len(json.dumps(value, ensure_ascii=False).encode()) > MAX_DRAFT_BYTES:
        raise ProtocolError(ErrorCode.BAD_MESSAGE, "The draft is too long.", "value")
    if _same_draft(state, message.step, value):
        return Transition(state)
    drafts = {k: v for k, v in state.drafts.items() if k != message.step}
    if value is not None:
        drafts[message.step] = value
    return Transition(state.evolve(drafts=drafts), drafts_changed=True)


def _same_draft(state: SessionState, step: str, value: Any) -> bool:
    if step not in state.drafts:
        return value is None
    return strict_equals(state.drafts[step], value)
