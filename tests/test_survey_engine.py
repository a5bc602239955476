"""Values per step type, branching conditions and the progress estimate."""

from __future__ import annotations

from typing import Any

import pytest

from server.survey import InvalidAnswer, next_step, parse_survey, progress, validate_value
from server.survey.conditions import UNKNOWN, strict_equals
from server.survey.model import Survey
from tests.test_survey_loader import SPEC_EXAMPLE


def survey_of(steps: list[dict[str, Any]]) -> Survey:
    survey, _ = parse_survey({"id": "t", "title": "T", "version": 1, "steps": steps})
    return survey


SPEC = parse_survey(SPEC_EXAMPLE)[0]


@pytest.mark.parametrize(
    ("step", "value", "stored"),
    [
        ("S1", "A friend", "A friend"),
        ("S1b", None, None),  # optional: skipped
        ("S1b", "  ", "  "),  # optional text may be blank
        ("S2", 0, 0),
        ("S2", 10, 10),
        ("S2", 3.0, 3),  # a whole-valued float counts as the integer
        ("S3", ["Web", "API"], ["Web", "API"]),
        ("S4", True, True),
        ("S4", False, False),
        ("S5", "me@example.org", "me@example.org"),
    ],
)
def test_valid_values(step: str, value: Any, stored: Any) -> None:
    result = validate_value(SPEC.steps[step], value)
    assert strict_equals(result, stored) and type(result) is type(stored)


@pytest.mark.parametrize(
    ("step", "value", "words"),
    [
        ("S1", "a friend", "choose one of the options"),
        ("S1", None, "answer this question"),
        ("S1", ["A friend"], "choose one"),
        ("S2", 11, "between 0 and 10"),
        ("S2", 2.5, "whole number"),
        ("S2", True, "whole number"),  # true is not 1
        ("S2", "5", "whole number"),
        ("S3", [], "at least 1 option"),
        ("S3", ["Web", "Web"], "only once"),
        ("S3", ["Desktop"], "only from the options"),
        ("S3", "Web", "choose from the options"),
        ("S4", 1, "yes or no"),
        ("S4", "yes", "yes or no"),
        ("S5", "   ", "type an answer"),
        ("S5", "x" * 255, "at most 254 characters"),
        ("S5", 42, "as text"),
    ],
)
def test_invalid_values_say_what_is_wrong(step: str, value: Any, words: str) -> None:
    with pytest.raises(InvalidAnswer, match=words):
        validate_value(SPEC.steps[step], value)


def test_text_length_counts_code_points_not_bytes() -> None:
    step = survey_of([{"id": "a", "type": "text", "prompt": "?", "max_length": 3},
                      {"id": "z", "type": "end", "prompt": "."}]).steps["a"]
    assert validate_value(step, "ééé") == "ééé"
    assert validate_value(step, "🙂🙂🙂") == "🙂🙂🙂"
    with pytest.raises(InvalidAnswer):
        validate_value(step, "abcd")


def test_number_steps() -> None:
    survey = survey_of([
        {"id": "n", "type": "number", "prompt": "?", "min": -1.5, "max": 2.5},
        {"id": "i", "type": "number", "prompt": "?", "integer": True},
        {"id": "z", "type": "end", "prompt": "."},
    ])
    assert validate_value(survey.steps["n"], 2.25) == 2.25
    with pytest.raises(InvalidAnswer, match="between -1.5 and 2.5"):
        validate_value(survey.steps["n"], 3)
    assert validate_value(survey.steps["i"], -7.0) == -7
    with pytest.raises(InvalidAnswer, match="whole number"):
        validate_value(survey.steps["i"], 0.5)


def test_info_takes_only_null() -> None:
    survey = survey_of([{"id": "i", "type": "info", "prompt": "hi"},
                        {"id": "z", "type": "end", "prompt": "."}])
    assert validate_value(survey.steps["i"], None) is None
    with pytest.raises(InvalidAnswer):
        validate_value(survey.steps["i"], "ok")


def test_multi_choice_defaults_depend_on_required() -> None:
    survey = survey_of([
        {"id": "m", "type": "multi_choice", "prompt": "?", "options": ["a", "b"],
         "required": False},
        {"id": "z", "type": "end", "prompt": "."},
    ])
    assert validate_value(survey.steps["m"], []) == []
    assert validate_value(survey.steps["m"], None) is None


BRANCHY = survey_of([
    {"id": "q1", "type": "multi_choice", "prompt": "?", "options": ["a", "b", "c"]},
    {"id": "q2", "type": "number", "prompt": "?", "next": [
        {"if": {"all": [{"step": "q1", "contains": "a"}, {"gte": 18}]}, "goto": "adult_a"},
        {"if": {"any": [{"lt": 0}, {"step": "q1", "equals": ["b"]}]}, "goto": "odd"},
        {"if": {"not": {"answered": True}, "step": "q1"}, "goto": "odd"},
        {"if": {"in": [1, 2, 3], "not_equals": 2}, "goto": "small"},
        {"goto": "z"},
    ]},
    {"id": "adult_a", "type": "info", "prompt": "."},
    {"id": "odd", "type": "info", "prompt": "."},
    {"id": "small", "type": "info", "prompt": "."},
    {"id": "z", "type": "end", "prompt": "."},
])


@pytest.mark.parametrize(
    ("q1", "q2", "expected"),
    [
        (["a"], 18, "adult_a"),
        (["a", "c"], 17, "z"),
        (["b"], 50, "odd"),
        (["c"], -1, "odd"),
        (["c"], 1, "small"),
        (["c"], 2, "z"),  # in [1,2,3] but also not_equals 2: both must hold
        (["c"], 3.0, "small"),
    ],
)
def test_conditions_route_answers(q1: list[str], q2: float, expected: str) -> None:
    assert next_step(BRANCHY, "q2", {"q1": q1, "q2": q2}) == expected


def test_a_step_off_the_path_makes_comparisons_false() -> None:
    # q1 is not on the path: "contains a" is false, and "answered" is false too.
    assert next_step(BRANCHY, "q2", {"q2": 20}) == "odd"


def test_true_is_not_one() -> None:
    survey = survey_of([
        {"id": "n", "type": "number", "prompt": "?",
         "next": [{"if": {"equals": 1}, "goto": "one"}, {"goto": "z"}]},
        {"id": "one", "type": "info", "prompt": "."},
        {"id": "z", "type": "end", "prompt": "."},
    ])
    assert next_step(survey, "n", {"n": 1}) == "one"
    assert next_step(survey, "n", {"n": True}) == "z"
    assert not strict_equals(True, 1) and not strict_equals(0, False)
    assert strict_equals([1, "a"], [1.0, "a"])


def test_skipped_step_compares_false() -> None:
    survey = survey_of([
        {"id": "t", "type": "text", "prompt": "?", "required": False,
         "next": [{"if": {"not_equals": "x"}, "goto": "a"}, {"goto": "z"}]},
        {"id": "a", "type": "info", "prompt": "."},
        {"id": "z", "type": "end", "prompt": "."},
    ])
    assert next_step(survey, "t", {"t": None}) == "z"
    assert next_step(survey, "t", {"t": "y"}) == "a"


def test_progress_follows_the_last_rule_when_undecided() -> None:
    # At S1 nothing is known: S1's rules cannot be decided, so the last rule (S2) is assumed.
    start = progress(SPEC, [], "S1", {})
    assert start == {"position": 1, "answered": 0, "estimated_total": 4, "percent": 0}
    # S1 answered "other": the S1b branch is now known to be on the way.
    other = progress(SPEC, ["S1"], "S1b", {"S1": "other"})
    assert other == {"position": 2, "answered": 1, "estimated_total": 5, "percent": 20}
    # S4 answered yes: S5 is the last step before the end.
    near_end = progress(SPEC, ["S1", "S2", "S3", "S4"], "S5",
                        {"S1": "A friend", "S2": 9, "S3": ["Web"], "S4": True})
    assert near_end == {"position": 5, "answered": 4, "estimated_total": 5, "percent": 80}


def test_unknown_is_three_valued() -> None:
    from server.survey.conditions import AnyOf, Compare
    cond = AnyOf((Compare("equals", "a", 1), Compare("equals", "b", 2)))
    answers = {"a": UNKNOWN, "b": 2}
    assert cond.evaluate(answers.get) is True
    answers = {"a": UNKNOWN, "b": 3}
    assert cond.evaluate(answers.get) is None
