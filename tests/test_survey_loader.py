"""Loading survey files: every check of SURVEY_FORMAT.md, with file, JSON path and fault."""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from server.survey import BUNDLED_DIR, SurveyFileError, load_catalog
from tests.support import write_survey

SPEC_EXAMPLE: dict[str, Any] = {
    "id": "product-feedback",
    "title": "Product feedback",
    "version": 2,
    "default": True,
    "steps": [
        {"id": "S1", "type": "single_choice", "prompt": "How did you hear about us?",
         "options": ["Search engine", "A friend",
                     {"value": "other", "label": "Somewhere else", "aliases": ["elsewhere"]}],
         "next": [{"if": {"equals": "other"}, "goto": "S1b"}, {"goto": "S2"}]},
        {"id": "S1b", "type": "text", "prompt": "Where?", "required": False, "max_length": 200},
        {"id": "S2", "type": "scale", "prompt": "How likely are you to recommend us?",
         "min": 0, "max": 10},
        {"id": "S3", "type": "multi_choice", "prompt": "What do you use?",
         "options": ["Web", "Mobile", "API"], "min_selected": 1},
        {"id": "S4", "type": "yes_no", "prompt": "May we contact you?",
         "next": [{"if": {"equals": True}, "goto": "S5"}, {"goto": "END"}]},
        {"id": "S5", "type": "text", "prompt": "Your e-mail address", "max_length": 254},
        {"id": "END", "type": "end", "prompt": "Thank you!"},
    ],
}


def load_one(tmp_path: Path, survey: Any) -> Any:
    directory = tmp_path / "surveys"
    directory.mkdir(exist_ok=True)
    (directory / "survey.json").write_text(json.dumps(survey))
    return load_catalog(directory)


def fault_of(tmp_path: Path, survey: Any) -> SurveyFileError:
    with pytest.raises(SurveyFileError) as caught:
        load_one(tmp_path, survey)
    return caught.value


def test_the_spec_example_loads_with_defaults_filled_in(tmp_path: Path) -> None:
    catalog = load_one(tmp_path, SPEC_EXAMPLE)
    survey = catalog.get(None)
    assert survey is not None and survey.id == "product-feedback"
    assert survey.first_step == "S1"
    assert survey.steps["S1"].public["options"][2] == {"value": "other", "label": "Somewhere else"}
    assert survey.steps["S1"].public["options"][0] == {
        "value": "Search engine", "label": "Search engine"
    }
    assert survey.steps["S3"].public["max_selected"] == 3
    assert survey.steps["S5"].public == {
        "id": "S5", "type": "text", "prompt": "Your e-mail address", "required": True,
        "max_length": 254,
    }
    assert "next" not in survey.steps["S1"].public and "aliases" not in str(survey.steps["S1"].public)


def test_the_bundled_survey_has_every_step_type_and_branches() -> None:
    catalog = load_catalog(BUNDLED_DIR)
    survey = catalog.get(None)
    assert survey is not None
    types = {step.type for step in survey.steps.values()}
    assert types == {"info", "single_choice", "multi_choice", "number", "scale", "yes_no",
                     "text", "end"}
    assert any(len(step.rules) > 1 for step in survey.steps.values())


def broken(path: str, value: Any) -> dict[str, Any]:
    """The spec example with one value replaced (or removed, for value None)."""
    survey = copy.deepcopy(SPEC_EXAMPLE)
    target: Any = survey
    keys = path.replace("]", "").replace("[", ".").split(".")
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    last = keys[-1]
    if value is None:
        del target[last]
    elif last.isdigit():
        target[int(last)] = value
    else:
        target[last] = value
    return survey


@pytest.mark.parametrize(
    ("change", "path", "fault"),
    [
        (("id", "Product Feedback"), "id", "must match"),
        (("title", None), "title", "non-empty string"),
        (("version", "2"), "version", "whole number"),
        (("colour", "blue"), "colour", "unknown field"),
        (("steps", []), "steps", "non-empty list"),
        (("steps[1].id", "S1"), "steps[1].id", "duplicate step id"),
        (("steps[1].type", "essay"), "steps[1].type", "unknown step type"),
        (("steps[1].max_lenght", 10), "steps[1].max_lenght", "unknown field"),
        (("steps[0].next[0].goto", "S9"), "steps[0].next[0].goto", "no step has the id 'S9'"),
        (("steps[0].next[1]", {"if": {"equals": "A friend"}, "goto": "S2"}), "steps[0].next[1]",
         "last rule must have no 'if'"),
        (("steps[0].next[0].if", {"equal": "other"}), "steps[0].next[0].if.equal",
         "unknown operator"),
        (("steps[0].next[0].if", {"equals": "Other"}), "steps[0].next[0].if",
         "'Other' is not an option"),
        (("steps[0].options[1]", "Search engine"), "steps[0].options[1]", "duplicate option"),
        (("steps[2].min", 11), "steps[2].min", "not be greater than max"),
        (("steps[2].max", None), "steps[2].max", "is required"),
        (("steps[3].max_selected", 4), "steps[3].max_selected", "only 3 options"),
        (("steps[3].options", None), "steps[3].options", "non-empty list"),
        (("steps[4].next[0].if", {"equals": "yes"}), "steps[4].next[0].if", "true or false"),
        (("steps[6].next", "S1"), "steps[6].next", "unknown field for a end step"),
        (("steps[5].next", "S4"), "steps[5].next", "cycle: S4 -> S5 -> S4"),
        (("steps[0].next[0].if", {"step": "S7", "equals": 1}), "steps[0].next[0].if",
         "unknown step 'S7'"),
        (("steps[1].required", "no"), "steps[1].required", "true or false"),
    ],
)
def test_a_broken_file_names_the_path_and_the_fault(
    tmp_path: Path, change: tuple[str, Any], path: str, fault: str
) -> None:
    error = fault_of(tmp_path, broken(*change))
    assert error.path == path
    assert fault in error.fault
    assert str(error).startswith(str(tmp_path / "surveys" / "survey.json"))


def test_every_path_must_reach_an_end(tmp_path: Path) -> None:
    # "no" leads to b, the last step, which is not an end: that path falls off the survey.
    survey = {"id": "x", "title": "X", "version": 1, "steps": [
        {"id": "a", "type": "yes_no", "prompt": "?", "next": [
            {"if": {"equals": True}, "goto": "z"}, {"goto": "b"}]},
        {"id": "z", "type": "end", "prompt": "bye"},
        {"id": "b", "type": "info", "prompt": "dead end"},
    ]}
    error = fault_of(tmp_path, survey)
    assert error.path == "steps[2]"
    assert "must be an end step" in error.fault


def test_the_first_step_cannot_be_the_end(tmp_path: Path) -> None:
    survey = {"id": "x", "title": "X", "version": 1,
              "steps": [{"id": "z", "type": "end", "prompt": "bye"}]}
    assert fault_of(tmp_path, survey).path == "steps[0].type"


def test_invalid_json_names_line_and_column(tmp_path: Path) -> None:
    directory = tmp_path / "surveys"
    directory.mkdir()
    (directory / "bad.json").write_text('{"id": "x",\n  "title": }')
    with pytest.raises(SurveyFileError) as caught:
        load_catalog(directory)
    assert "bad.json" in str(caught.value)
    assert "line 2 column" in caught.value.fault


def test_nan_is_not_json(tmp_path: Path) -> None:
    directory = tmp_path / "surveys"
    directory.mkdir()
    (directory / "nan.json").write_text('{"id": "x", "version": NaN}')
    with pytest.raises(SurveyFileError, match="NaN is not allowed"):
        load_catalog(directory)


def test_survey_ids_are_unique_across_files(tmp_path: Path) -> None:
    directory = tmp_path / "surveys"
    write_survey(directory, SPEC_EXAMPLE, "one")
    write_survey(directory, {**SPEC_EXAMPLE, "default": False}, "two")
    with pytest.raises(SurveyFileError, match="already used by"):
        load_catalog(directory)


def test_only_one_default(tmp_path: Path) -> None:
    directory = tmp_path / "surveys"
    write_survey(directory, SPEC_EXAMPLE)
    write_survey(directory, {**SPEC_EXAMPLE, "id": "other"})
    with pytest.raises(SurveyFileError) as caught:
        load_catalog(directory)
    assert caught.value.path == "default"


def test_several_surveys_without_a_default_have_none(tmp_path: Path) -> None:
    directory = tmp_path / "surveys"
    write_survey(directory, {**SPEC_EXAMPLE, "default": False})
    write_survey(directory, {**SPEC_EXAMPLE, "id": "other", "default": False})
    catalog = load_catalog(directory)
    assert catalog.get(None) is None
    assert catalog.get("other") is not None


def test_a_single_survey_is_the_default(tmp_path: Path) -> None:
    catalog = load_one(tmp_path, {**SPEC_EXAMPLE, "default": False})
    assert catalog.default_id == "product-feedback"


def test_an_empty_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SurveyFileError, match="no survey files"):
        load_catalog(tmp_path)


def test_unreachable_steps_are_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    survey = copy.deepcopy(SPEC_EXAMPLE)
    survey["steps"][0]["next"] = [{"if": {"equals": "other"}, "goto": "S2"}, {"goto": "S2"}]
    with caplog.at_level(logging.WARNING):
        catalog = load_one(tmp_path, survey)
    assert any("S1b" in w for w in catalog.warnings)
    assert "S1b" in caplog.text
