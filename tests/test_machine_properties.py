"""Property-based: random message sequences never break the state machine's invariants."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from server.session.lifecycle import new_session
from server.session.machine import handle
from server.session.messages import Answer, Back, Draft, ProtocolError, SetAudioMode
from server.session.state import SessionState
from server.survey import BUNDLED_DIR, load_catalog, next_step, parse_survey
from server.survey.model import Step, Survey
from tests.test_survey_loader import SPEC_EXAMPLE

SURVEYS = [parse_survey(SPEC_EXAMPLE)[0], load_catalog(BUNDLED_DIR).surveys["commute"]]
JUNK: list[Any] = [None, True, 1, -5, 2.5, 1000, "", "   ", "x", [], ["x"], {"a": 1}]


def candidates(step: Step) -> list[Any]:
    """Values worth trying on a step: every valid shape we can think of, and junk."""
    options = [o.value for o in step.options]
    if step.type == "single_choice":
        valid: list[Any] = options
    elif step.type == "multi_choice":
        valid = [options[:1], options[:2], options, options[-1:]]
    elif step.type in ("number", "scale"):
        low = step.min if step.min is not None else -10
        high = step.max if step.max is not None else 10
        valid = [low, high, (low + high) // 2]
    elif step.type == "yes_no":
        valid = [True, False]
    elif step.type == "text":
        valid = ["hello", "a" * step.max_length]
    else:
        valid = [None]
    return valid * 3 + JUNK


action = st.one_of(
    st.tuples(st.just("answer"), st.integers(0, 100)),
    st.tuples(st.just("answer_elsewhere"), st.integers(0, 100)),
    st.tuples(st.just("back"), st.just(0)),
    st.tuples(st.just("audio"), st.integers(0, 1)),
    st.tuples(st.just("draft"), st.integers(0, 300)),
    st.tuples(st.just("duplicate"), st.integers(0, 5)),
    st.tuples(st.just("gap"), st.integers(0, 3)),
)


def build(survey: Survey, state: SessionState, kind: str, n: int) -> tuple[Any, int | None]:
    """Turn an abstract action into a message for the current state; also its seq."""
    seq = state.last_seq + 1
    if kind == "duplicate":
        if state.last_seq == 0:
            return Back(1), 1
        seq = max(1, state.last_seq - n)
        return Back(seq), seq
    if kind == "gap":
        seq = state.last_seq + 2 + n
        return Back(seq), seq
    if kind == "answer":
        step = survey.steps.get(state.current_step)
        pool = candidates(step) if step is not None and not step.is_end else [None]
        return Answer(seq, state.current_step, pool[n % len(pool)]), seq
    if kind == "answer_elsewhere":
        other = survey.order[n % len(survey.order)]
        return Answer(seq, other, None), seq
    if kind == "back":
        return Back(seq), seq
    if kind == "audio":
        return SetAudioMode(seq, bool(n)), seq
    return Draft(state.current_step, "d" * n), None


def assert_invariants(survey: Survey, state: SessionState) -> None:
    history = state.step_history
    path = [*history, state.current_step]
    assert path[0] == survey.first_step
    answers = dict(state.answers)
    for i, step in enumerate(history):
        assert step in answers, "every step in the history was answered"
        known = {s: answers[s] for s in history[: i + 1]}
        assert next_step(survey, step, known) == path[i + 1], "the history is a path"
    assert state.completed == survey.steps[state.current_step].is_end
    assert all(not survey.steps[s].is_end for s in history)


@settings(max_examples=300, deadline=None)
@given(survey_index=st.integers(0, len(SURVEYS) - 1), actions=st.lists(action, max_size=60))
def test_random_messages_keep_the_invariants(
    survey_index: int, actions: list[tuple[str, int]]
) -> None:
    survey = SURVEYS[survey_index]
    state = new_session(survey, "u")
    for kind, n in actions:
        message, seq = build(survey, state, kind, n)
        before = state
        try:
            transition = handle(survey, state, message)
        except ProtocolError:
            continue  # a draft too long: nothing changes
        state = transition.state
        assert state.last_seq >= before.last_seq, "last_seq only grows"
        if transition.commit:
            assert state.last_seq == before.last_seq + 1 and seq == state.last_seq
        else:
            assert state.last_seq == before.last_seq
        for reply in transition.replies:
            if seq is not None and seq <= before.last_seq + 1:
                assert reply["ack"] == seq, "processed and duplicate messages carry their ack"
            if seq is not None and seq > before.last_seq + 1:
                assert reply["code"] == "seq_gap" and reply["ack"] is None
        if before.completed:
            # A completed session accepts nothing: only last_seq may move.
            assert (state.current_step, state.step_history, dict(state.answers),
                    state.is_audio_mode, state.completed) == (
                before.current_step, before.step_history, dict(before.answers),
                before.is_audio_mode, True)
        assert_invariants(survey, state)
        assert SessionState.from_record(state.to_record()) == state
