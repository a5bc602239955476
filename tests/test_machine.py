"""The session state machine on its own: seq rules, navigation, drafts, completion."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from server.session.lifecycle import carry_over, new_session
from server.session.machine import Transition, handle
from server.session.messages import Answer, Back, Draft, ProtocolError, SetAudioMode
from server.session.state import SessionState
from server.survey import parse_survey
from tests.test_survey_loader import SPEC_EXAMPLE

SURVEY = parse_survey(SPEC_EXAMPLE)[0]


def start() -> SessionState:
    return new_session(SURVEY, "u1")


def run(state: SessionState, *messages: Any) -> tuple[SessionState, list[Transition]]:
    transitions = []
    for message in messages:
        transition = handle(SURVEY, state, message)
        transitions.append(transition)
        state = transition.state
    return state, transitions


def only_reply(transition: Transition) -> dict[str, Any]:
    assert len(transition.replies) == 1
    return transition.replies[0]


def test_an_answer_moves_on_and_is_committed_with_its_history_row() -> None:
    state, (t,) = run(start(), Answer(1, "S1", "A friend"))
    assert t.commit
    assert state.current_step == "S2" and state.step_history == ("S1",) and state.last_seq == 1
    reply = only_reply(t)
    assert reply["type"] == "step" and reply["ack"] == 1 and reply["step"]["id"] == "S2"
    assert reply["can_go_back"] is True
    assert [(h.action, h.step, h.answer, h.seq) for h in t.history] == [
        ("answer", "S1", {"value": "A friend"}, 1)
    ]


def test_a_duplicate_is_answered_with_the_current_step_and_not_applied() -> None:
    state, _ = run(start(), Answer(1, "S1", "A friend"))
    again = handle(SURVEY, state, Answer(1, "S1", "other"))
    assert again.state is state and not again.commit and not again.history
    reply = only_reply(again)
    assert reply["type"] == "step" and reply["ack"] == 1 and reply["step"]["id"] == "S2"


def test_a_gap_applies_nothing_and_says_what_is_expected() -> None:
    t = handle(SURVEY, start(), Answer(3, "S1", "A friend"))
    assert t.state == start() and not t.commit
    assert only_reply(t) == {"type": "error", "code": "seq_gap", "message": "Expected seq 1.",
                             "ack": None, "expected": 1}


@pytest.mark.parametrize(
    ("message", "code", "extra"),
    [
        (Answer(1, "S2", 5), "wrong_step", {"current": "S1"}),
        (Answer(1, "S1", "nope"), "invalid_answer", {"step": "S1"}),
        (Back(1), "cannot_go_back", {}),
    ],
)
def test_a_rejected_message_is_processed_once(message: Any, code: str, extra: dict[str, Any]) -> None:
    t = handle(SURVEY, start(), message)
    assert t.commit and t.state.last_seq == 1
    assert t.state.current_step == "S1" and t.state.answers == {}
    reply = only_reply(t)
    assert reply["code"] == code and reply["ack"] == 1
    assert {k: reply[k] for k in extra} == extra
    assert [h.action for h in t.history] == ["rejected"]
    # Sent again, it is a duplicate: the current step comes back with its ack.
    again = only_reply(handle(SURVEY, t.state, message))
    assert again["type"] == "step" and again["ack"] == 1


def test_back_offers_the_stored_answer_again() -> None:
    state, ts = run(start(), Answer(1, "S1", "A friend"), Answer(2, "S2", 9), Back(3))
    assert state.current_step == "S2" and state.step_history == ("S1",)
    reply = only_reply(ts[-1])
    assert reply["step"]["id"] == "S2" and reply["answer"] == 9 and reply["ack"] == 3
    assert state.answers == {"S1": "A friend", "S2": 9}


def test_answers_off_the_path_are_kept_but_left_out() -> None:
    state, _ = run(start(), Answer(1, "S1", "other"), Answer(2, "S1b", "a blog"), Back(3), Back(4))
    assert state.current_step == "S1"
    state, ts = run(state, Answer(5, "S1", "A friend"))
    assert state.current_step == "S2"
    assert state.answers["S1b"] == "a blog"  # kept
    assert "S1b" not in state.path_answers()
    assert "S1b" in state.to_record().session_data["off_path_answers"]
    assert "S1b" not in state.to_record().answers
    # Back on the branch, the earlier answer is offered again.
    state, ts = run(state, Back(6), Answer(7, "S1", "other"))
    assert only_reply(ts[-1])["answer"] == "a blog"


def test_completion_and_after() -> None:
    state, ts = run(
        start(), Answer(1, "S1", "A friend"), Answer(2, "S2", 9), Answer(3, "S3", ["Web"]),
        Answer(4, "S4", False),
    )
    assert state.completed and state.current_step == "END"
    complete = only_reply(ts[-1])
    assert complete == {"type": "complete", "ack": 4, "message": "Thank you!",
                        "answers": {"S1": "A friend", "S2": 9, "S3": ["Web"], "S4": False}}
    assert [h.action for h in ts[-1].history] == ["answer", "completed"]
    for message in (Answer(5, "END", None), Back(5), SetAudioMode(5, True)):
        t = handle(SURVEY, state, message)
        assert only_reply(t)["code"] == "completed" and only_reply(t)["ack"] == 5
        assert replace(t.state, last_seq=state.last_seq) == state
    assert handle(SURVEY, state, Draft("END", "x")).state is state
    duplicate = only_reply(handle(SURVEY, state, Back(2)))
    assert duplicate["type"] == "complete" and duplicate["ack"] == 2


def test_skipped_and_info_steps_are_null_in_the_final_answers() -> None:
    survey = parse_survey({"id": "t", "title": "T", "version": 1, "steps": [
        {"id": "i", "type": "info", "prompt": "hi"},
        {"id": "t", "type": "text", "prompt": "?", "required": False},
        {"id": "z", "type": "end", "prompt": "bye"},
    ]})[0]
    state = new_session(survey, "u")
    state = handle(survey, state, Answer(1, "i", None)).state
    t = handle(survey, state, Answer(2, "t", None))
    assert t.replies[0]["answers"] == {"i": None, "t": None}


def test_audio_mode() -> None:
    t = handle(SURVEY, start(), SetAudioMode(1, True))
    assert t.state.is_audio_mode and t.commit
    assert only_reply(t) == {"type": "audio_mode", "ack": 1, "enabled": True}


def test_drafts_are_kept_for_the_current_step_only_and_cleared_by_the_answer() -> None:
    state, _ = run(start(), Answer(1, "S1", "other"))
    t = handle(SURVEY, state, Draft("S1b", "half"))
    assert t.drafts_changed and not t.commit and not t.replies
    assert t.state.drafts == {"S1b": "half"}
    assert handle(SURVEY, t.state, Draft("S2", "elsewhere")).state is t.state  # ignored
    assert not handle(SURVEY, t.state, Draft("S1b", "half")).drafts_changed  # unchanged
    step = only_reply(handle(SURVEY, t.state, Back(2)))
    assert step["step"]["id"] == "S1"
    after = handle(SURVEY, t.state, Answer(2, "S1b", "whole")).state
    assert after.drafts == {}


def test_a_draft_longer_than_max_length_is_a_protocol_error() -> None:
    state, _ = run(start(), Answer(1, "S1", "other"))
    with pytest.raises(ProtocolError) as caught:
        handle(SURVEY, state, Draft("S1b", "x" * 201))
    assert caught.value.code == "bad_message" and caught.value.field == "value"
    with pytest.raises(ProtocolError):
        handle(SURVEY, start(), Draft("S1", ["x" * 20_000]))


def test_the_welcome_state_lists_only_path_answers() -> None:
    state, _ = run(start(), Answer(1, "S1", "A friend"), Answer(2, "S2", 3), Back(3))
    assert state.public("en")["answers"] == {"S1": "A friend", "S2": 3}
    state, _ = run(state, Back(4))
    assert state.public("en")["answers"] == {"S1": "A friend"}


def test_record_round_trip() -> None:
    state, _ = run(start(), Answer(1, "S1", "other"), Answer(2, "S1b", "x"), Back(3), Back(4),
                   Draft("S1", "A friend"), SetAudioMode(5, True))
    assert SessionState.from_record(state.to_record()) == state


def test_a_changed_survey_carries_the_session_over() -> None:
    state, _ = run(start(), Answer(1, "S1", "other"), Answer(2, "S1b", "blog"))
    assert state.current_step == "S2"
    changed = dict(SPEC_EXAMPLE, version=3)
    changed["steps"] = [
        {**SPEC_EXAMPLE["steps"][0], "next": "S3"},
        *[s for s in SPEC_EXAMPLE["steps"] if s["id"] not in ("S1", "S1b", "S2")],
    ]
    survey = parse_survey(changed)[0]
    moved, row = carry_over(survey, state)
    assert row is not None and row.action == "migrated"
    assert row.answer == {"from_version": 2, "to_version": 3, "removed_steps": ["S1b"]}
    assert moved.current_step == "S3" and moved.step_history == ("S1",)
    assert moved.extra["removed_answers"] == {"S1b": "blog"}
    assert "S1b" not in moved.answers
    assert carry_over(SURVEY, state) == (state, None)
