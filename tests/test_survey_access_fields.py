"""The survey file's access, window and on_complete fields: parsed, and checked at load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from server.survey import SurveyFileError, load_catalog
from tests.lifecycle_support import small_survey, surveys_dir


def _load(tmp_path: Path, **fields: Any) -> Any:
    return load_catalog(surveys_dir(tmp_path, small_survey(**fields))).surveys["study"]


def test_defaults_are_open_with_no_window_and_no_redirect(tmp_path: Path) -> None:
    survey = _load(tmp_path)
    assert (survey.access, survey.opens_at, survey.closes_at, survey.on_complete_redirect) == (
        "open", None, None, None)


def test_times_with_an_offset_are_stored_in_utc(tmp_path: Path) -> None:
    survey = _load(tmp_path, access="invited", opens_at="2026-03-01T09:00:00+01:00",
                   closes_at="2026-04-01T00:00:00Z",
                   on_complete={"redirect": "http://localhost:8080/done?pid={user_id}"})
    assert survey.access == "invited"
    assert survey.opens_at == "2026-03-01T08:00:00.000Z"
    assert survey.closes_at == "2026-04-01T00:00:00.000Z"
    assert survey.on_complete_redirect == "http://localhost:8080/done?pid={user_id}"


@pytest.mark.parametrize(("fields", "path", "words"), [
    ({"access": "public"}, "access", "open, link or invited"),
    ({"opens_at": "2026-03-01T09:00:00"}, "opens_at", "offset"),
    ({"closes_at": "next tuesday"}, "closes_at", "date and time"),
    ({"closes_at": 5}, "closes_at", "date and time"),
    ({"opens_at": "2026-03-02T00:00:00Z", "closes_at": "2026-03-01T00:00:00Z"},
     "closes_at", "later than opens_at"),
    ({"on_complete": {"redirect": "http://panel.example/done"}}, "on_complete.redirect", "https"),
    ({"on_complete": {"redirect": "javascript:alert(1)"}}, "on_complete.redirect", "https"),
    ({"on_complete": {"redirect": "https:///nohost"}}, "on_complete.redirect", "https"),
    ({"on_complete": {"redirct": "https://panel.example"}}, "on_complete.redirct", "unknown"),
    ({"on_complete": "https://panel.example"}, "on_complete", "object"),
])
def test_bad_access_fields_stop_the_load(
    tmp_path: Path, fields: dict[str, Any], path: str, words: str
) -> None:
    with pytest.raises(SurveyFileError) as caught:
        _load(tmp_path, **fields)
    assert caught.value.path == path
    assert words in str(caught.value)
