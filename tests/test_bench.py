"""The load benchmark keeps working: valid answers, honest arithmetic, and a tiny real run.

It measures nothing here (speed is for `make bench`); it checks that the benchmark still
drives the real server correctly and reports what it measured.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.report import Comparison, Round, percentile
from bench.respondents import answer_for
from server.survey import BUNDLED_DIR, load_catalog, validate_value
from server.survey.loader import parse_survey
from tests.support import PROJECT_ROOT
from tests.test_survey_loader import SPEC_EXAMPLE


def test_the_generic_answer_is_valid_for_every_step_of_the_surveys() -> None:
    surveys = [*load_catalog(BUNDLED_DIR).surveys.values(), parse_survey(SPEC_EXAMPLE)[0]]
    for survey in surveys:
        for step in survey.steps.values():
            if not step.is_end:
                value = answer_for(step.public)
                assert validate_value(step, value) == value, (survey.id, step.id)


def test_percentile_is_nearest_rank() -> None:
    values = [float(n) for n in range(100, 0, -1)]  # unsorted on purpose
    assert percentile(values, 0.5) == 50
    assert percentile(values, 0.99) == 99
    assert percentile([7.0], 0.99) == 7
    with pytest.raises(ValueError):
        percentile([], 0.5)


def test_ratios_pair_each_server_round_with_the_echo_round_before_it() -> None:
    def rounds(*rates: float) -> list[Round]:
        return [Round(rate, 1.0, 2.0, 100.0, 0.5) for rate in rates]

    # Paired ratios 0.5, 0.5, 0.1: the median is 0.5, where a ratio of medians would be 0.6.
    comparison = Comparison(
        "FULL", 100, rounds(100, 200, 1000), rounds(50, 100, 100), {1: 3, 4: 1}
    )
    assert comparison.ratio("steps_per_second") == 0.5
    assert comparison.median(comparison.server, "steps_per_second") == 100
    assert comparison.writes_per_commit == 7 / 4
    assert comparison.largest_batch == 4


def test_a_tiny_run_drives_the_real_server_and_reports_it(tmp_path: Path) -> None:
    output = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--respondents", "5", "--synchronous", "FULL",
         "--rounds", "1", "--seconds", "0.5", "--idle", "20", "--reconnects", "3",
         "--results-sessions", "300", "--json", str(output)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "| FULL | 5 |" in result.stdout
    figures = json.loads(output.read_text())
    (comparison,) = figures["comparisons"]
    for side in ("echo", "ideal", "server"):
        assert comparison[side][0]["steps_per_second"] > 0
    assert "| FULL | 5 | " in figures["three_way"]
    assert sum(comparison["batch_sizes"].values()) > 0  # read from the server's metrics
    assert figures["idle"]["connections"] == 20 and figures["idle"]["reconnects"] == 3
    assert figures["idle"]["rss_after"] > 0
    assert figures["scale"]["export_rows"] == 300 and figures["scale"]["figures_seconds"] > 0
    assert "With an operators' console open" in result.stdout
    assert "| FULL | 5 | " in figures["latency"]  # where the respondents wait
    assert comparison["server"][0]["in_steps"] > 0
    assert "Operators' side at scale: 300 sessions" in result.stdout


def test_the_step_cost_account_runs_the_real_pieces() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.step_costs", "--number", "20"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert lines[0].startswith("| per answer | server µs | ideal µs")
    assert any(line.startswith("| the durable write") for line in lines)
    assert lines[-1].startswith("| **total of these** |")


def test_the_account_puts_each_sample_under_its_innermost_category(tmp_path: Path) -> None:
    from bench.account import OUTSIDE_GIL, Account, account_table

    collapsed = tmp_path / "server.txt"
    collapsed.write_text("\n".join([
        # The state machine, under the connection loop: the innermost category wins.
        "thread (7): MainThread;Connection.message_loop (gateway/connection.py:210);"
        "LiveSession.apply (gateway/live.py:90);handle (session/machine.py:50);"
        "_advance (session/machine.py:150) 30",
        # A helper's own frame counts for the function it belongs to.
        "thread (7): MainThread;handle (session/machine.py:50);"
        "next_step.<locals>.lookup (survey/navigation.py:28) 10",
        "thread (7): MainThread;WebSocketsSansIOProtocol.send "
        "(uvicorn/protocols/websockets/websockets_sansio_impl.py:510) 40",
        "thread (7): MainThread;mystery (elsewhere.py:1) 20",
        # Another thread's samples are not the main thread's.
        "thread (9): sqlite-writer;save_job (store/sqlite_sessions.py:140) 99",
    ]) + "\n")
    # 100 main-thread samples at 1,000 a second over 500 steps: 2 µs per sample, 200 µs of
    # the 250 µs per step the kernel counted; the other 50 were spent outside the GIL.
    account = Account.of(collapsed, 7, rate=1000, steps=500, main_cpu=0.125, other_cpu=0.025)
    assert account.main == pytest.approx({
        "the state machine": 80.0, "uvicorn, websockets, h11": 80.0,
        "other (main thread)": 40.0, OUTSIDE_GIL: 50.0})
    table = account_table(account, account)
    assert "| the state machine | 80.0 | 80.0 | +0.0 |" in table
    assert "| **main thread (event loop), all** | 250.0 | 250.0 | +0.0 |" in table
    assert "| **the whole process** | 300.0 | 300.0 | +0.0 |" in table


def test_the_in_process_comparison_drives_both_apps() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.in_process", "--respondents", "3", "--rounds", "1",
         "--seconds", "0.3"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    rows = [line.split("|") for line in result.stdout.splitlines() if line.startswith("| ")]
    names = [row[1].strip() for row in rows]
    assert names == ["in-process, per answer", "ideal", "server"]
    for row in rows[1:]:
        assert float(row[2].replace(",", "")) > 0 and float(row[5]) > 0
