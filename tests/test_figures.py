"""The figures of OPERATORS.md for sessions made through the real protocol."""

from __future__ import annotations

import statistics
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.store.sqlite_results import summarize
from tests.operators_support import ADMIN, admin_settings, finished, get
from tests.support import query, running_server
from tests.test_export import CHANGED_BRANCH, MULTI_AND_SKIPPED, PARTWAY, SPOKEN_AND_FORMULA

# The operators' side runs on both stores.
pytestmark = pytest.mark.usefixtures("on_both_stores")


async def _durations(db: Path | str) -> list[float]:
    rows = await query(db, "SELECT created_at, completed_at FROM sessions "
                           "WHERE completed_at IS NOT NULL")
    return [(datetime.fromisoformat(done) - datetime.fromisoformat(start)).total_seconds()
            for start, done in rows]


async def test_the_figures_count_what_respondents_did(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        for steps in (CHANGED_BRANCH, SPOKEN_AND_FORMULA, MULTI_AND_SKIPPED, PARTWAY, []):
            await finished(server.ws_url, steps)
        response = await get(server.url, "/api/surveys/commute/stats", headers=ADMIN)
    assert response.status_code == 200
    body = response.json()
    assert body["survey"] == "commute"
    assert body["sessions"] == {"total": 5, "in_progress": 2, "completed": 3, "invited": 0,
                                "expired": 0}
    assert body["completion_rate"] == 0.6
    assert body["median_duration_seconds"] == round(
        statistics.median(await _durations(server.settings.db)), 1)
    steps = {s["id"]: s for s in body["steps"]}
    assert list(steps) == ["intro", "mode", "transport", "minutes", "remote_days",
                           "satisfaction", "change", "change_why"]  # no end step
    assert {k: (s["reached"], s["answered"], s["stopped_here"]) for k, s in steps.items()} == {
        "intro": (5, 0, 1),  # an info step is never answered with a value
        "mode": (4, 4, 0),
        "transport": (1, 1, 0),  # the first session's Bus and Tram are off its final path
        "minutes": (3, 3, 0),
        "remote_days": (1, 1, 0),
        "satisfaction": (4, 3, 1),
        "change": (3, 3, 0),
        "change_why": (2, 1, 0),  # one skipped it
    }
    assert steps["mode"]["counts"] == {"Car": 1, "public_transport": 1, "bicycle": 1,
                                       "on_foot": 0, "remote": 1}
    assert steps["mode"]["type"] == "single_choice"
    assert steps["mode"]["prompt"] == "How do you usually get to work?"
    assert steps["transport"]["counts"] == {"Bus": 0, "Tram": 0, "Metro": 1, "Train": 0,
                                            "Ferry": 1}
    assert steps["satisfaction"]["counts"] == {
        str(n): (1 if n in (5, 8, 10) else 0) for n in range(11)}
    assert steps["change"]["counts"] == {"true": 2, "false": 1}
    assert steps["minutes"]["summary"] == {"n": 3, "mean": 31.667, "median": 30, "min": 20,
                                           "max": 45}
    assert steps["remote_days"]["summary"] == {"n": 1, "mean": 3, "median": 3, "min": 3,
                                               "max": 3}
    assert "counts" not in steps["minutes"] and "summary" not in steps["mode"]
    assert "counts" not in steps["change_why"] and "counts" not in steps["intro"]


async def test_figures_of_a_survey_nobody_answered(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        body = (await get(server.url, "/api/surveys/commute/stats", headers=ADMIN)).json()
    assert body["sessions"]["total"] == 0
    assert body["completion_rate"] == 0 and body["median_duration_seconds"] is None
    minutes = next(s for s in body["steps"] if s["id"] == "minutes")
    assert minutes["summary"] == {"n": 0, "mean": None, "median": None, "min": None,
                                  "max": None}
    assert all(s["reached"] == 0 for s in body["steps"])


async def test_an_even_number_of_answers_has_the_middle_two_as_median(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        for minutes in (10, 20, 25, 90):
            await finished(server.ws_url, [("intro", None), ("mode", "Car"),
                                           ("minutes", minutes)])
        body = (await get(server.url, "/api/surveys/commute/stats", headers=ADMIN)).json()
    minutes_figures = next(s for s in body["steps"] if s["id"] == "minutes")
    assert minutes_figures["summary"] == {"n": 4, "mean": 36.25, "median": 22.5, "min": 10,
                                          "max": 90}


@given(st.lists(st.integers(-50, 50) | st.floats(-1e6, 1e6), min_size=1, max_size=60))
def test_number_summaries_from_a_histogram_match_the_plain_statistics(
    values: list[float],
) -> None:
    histogram: dict[float, int] = {}
    for value in values:
        histogram[value] = histogram.get(value, 0) + 1
    found = summarize(histogram)
    assert found.n == len(values)
    assert found.median == pytest.approx(statistics.median(values))
    assert found.mean == pytest.approx(statistics.fmean(values))
    assert (found.min, found.max) == (min(values), max(values))
