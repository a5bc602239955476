"""What the console says: a respondent's history in words, answers in words, the funnel's bars."""

from __future__ import annotations

from typing import Any

from server.operators.charts import answer_text, funnel, questions
from server.operators.timeline import describe
from server.store import HistoryRow
from server.survey import BUNDLED_DIR, load_catalog

SURVEY = load_catalog(BUNDLED_DIR).surveys["commute"]


def said(action: str, step: str | None = None, answer: Any = None) -> tuple[str, str | None]:
    event = describe(SURVEY, HistoryRow(1, "u", action, step, answer, 1, "2026-01-01T00:00:00Z"))
    return event.text, event.detail


def test_each_kind_of_history_row_reads_as_plain_words() -> None:
    mode = "“How do you usually get to work?”"
    assert said("created", "intro", {"survey_version": 1}) == ("Started the survey (version 1)", None)
    assert said("answer", "intro", {"value": None})[0].startswith("Read “This short survey")
    assert said("answer", "mode", {"value": "on_foot"}) == (f"Answered {mode}", "On foot")
    assert said("answer", "transport", {"value": ["Bus", "Metro"]})[1] == "Bus, Metro"
    assert said("answer", "change", {"value": False})[1] == "No"
    assert said("answer", "mode", {"value": "bicycle", "transcript": "by bike"}) == (
        f"Answered {mode} by voice", "said “by bike”, taken as: Bicycle")
    assert said("back", "mode") == (f"Went back to {mode}", None)
    assert said("audio_mode", "mode", {"enabled": True})[0] == f"Turned reading aloud on at {mode}"
    assert said("audio_mode", "mode", {"enabled": False})[0].startswith("Turned reading aloud off")
    assert said("rejected", "minutes", {"type": "answer", "code": "invalid_answer",
                                        "value": 900}) == (
        ("Refused at “About how many minutes does the trip to work take?”: an answer was "
         "refused as not valid"), "sent: 900")
    assert said("rejected", "mode", {"type": "voice_answer", "code": "no_match",
                                     "transcript": "hmm"})[1] == "said “hmm”"
    assert said("rejected", None, {"type": "back", "code": "cannot_go_back"})[0] == (
        "Refused at no question: Back was refused: this was the first question")
    assert said("draft_saved", "change_why", {"change_why": "More trains"}) == (
        "Draft saved (not yet an answer)", "“What would help you change? (optional)”: More trains")
    assert said("disconnected", "mode")[0] == f"Left the page (connection closed) at {mode}"
    assert said("resumed", "mode")[0] == f"Connected again, at {mode}"
    assert said("superseded", "mode")[0].startswith("Opened on another page or device")
    assert said("migrated", "mode", {"from_version": 1, "to_version": 2,
                                     "removed_steps": ["old"]}) == (
        "Moved from survey version 1 to version 2", "answers kept aside for removed steps: old")
    assert said("completed", "end")[0] == "Completed the survey"
    assert said("something_new", "gone") == ("Something new at step gone", None)


def test_long_prompts_are_cut_at_a_word_in_sentences() -> None:
    text, _ = said("back", "satisfaction")
    assert text == "Went back to “How happy are you with your commute, from 0 (not at all) to…”"


def test_answers_in_words() -> None:
    steps = SURVEY.steps
    assert answer_text(steps["mode"], "remote") == "I work from home"
    assert answer_text(steps["transport"], []) == "(none)"
    assert answer_text(steps["minutes"], 35) == "35"
    assert answer_text(steps["change_why"], None) == "(skipped)"
    assert answer_text(None, {"a": 1}) == "{'a': 1}"


def figures(reached: list[int], stopped: list[int]) -> dict[str, Any]:
    ids = ["intro", "mode", "transport"]
    return {"steps": [{"id": i, "prompt": i, "type": "single_choice", "reached": r,
                       "answered": r, "stopped_here": s, "counts": {}}
                      for i, r, s in zip(ids, reached, stopped, strict=True)]}


def test_the_funnel_bars_are_proportional_and_the_stopped_part_ends_the_bar() -> None:
    drawn = funnel(figures([4, 2, 0], [0, 1, 0]))
    widths = [bar.reached_width for bar in drawn.bars]
    assert widths[0] == 2 * widths[1] and widths[2] == 0
    mode = drawn.bars[1]
    assert mode.stopped_width == widths[1] / 2
    assert mode.stopped_x + mode.stopped_width == drawn.label_width + mode.reached_width
    assert [bar.y for bar in drawn.bars] == sorted({bar.y for bar in drawn.bars})
    empty = funnel(figures([0, 0, 0], [0, 0, 0]))  # no sessions yet: no division by zero
    assert [bar.reached_width for bar in empty.bars] == [0, 0, 0]


def test_question_tables_label_values_and_share_of_answers() -> None:
    body = {"steps": [
        {"id": "intro", "prompt": "", "type": "info", "reached": 3, "answered": 0,
         "stopped_here": 0},
        {"id": "change", "prompt": "", "type": "yes_no", "reached": 4, "answered": 4,
         "stopped_here": 0, "counts": {"true": 3, "false": 1}},
    ]}
    [change] = questions(SURVEY, body)  # info steps take no answer: left out
    assert change.counts is not None
    assert [(row.label, row.count, row.percent) for row in change.counts] == [
        ("Yes", 3, 75), ("No", 1, 25)]
