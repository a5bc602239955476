"""Where a durable step's CPU goes: each piece of the survey server's per-answer path timed
in isolation, beside the same piece of the ideal durable server (bench/ideal_app.py).

Run: .venv/bin/python -m bench.step_costs. The pieces are the real functions on a real
mid-survey session of the bundled survey; SQL runs on a real WAL database file with
synchronous=OFF, so what is timed is the statement's CPU, not the disk (fsyncs are shared
by group commit in both servers alike). What both servers share (uvicorn, websockets
framing, the writer thread's queue and wake-ups) is not here: the load benchmark measures
the whole.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import timeit
from dataclasses import replace
from pathlib import Path
from typing import Any

from server import strict_json
from server.session.lifecycle import new_session
from server.session.machine import handle
from server.session.messages import Answer, decode_frame, parse_message
from server.session.views import current_view, welcome_message
from server.store import HistoryEntry
from server.store.sqlite_schema import migrate
from server.store.sqlite_sessions import create_job, save_job
from server.survey import BUNDLED_DIR, load_catalog
from server.tokens import hash_token, new_token

from .ideal_app import PADDING, SCHEMA, _create, _save

REPEAT = 5
NUMBER = 2000
ANSWERS_PER_VISIT = 6  # the bundled survey as the benchmark answers it


def _best_us(function: Any, number: int) -> float:
    """Microseconds per call: the best of REPEAT runs of `number` calls (the least disturbed)."""
    return min(timeit.repeat(function, number=number, repeat=REPEAT)) / number * 1e6


def _database(path: Path, schema: Any) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    schema(conn)
    return conn


def measure(number: int = NUMBER) -> list[tuple[str, float, float]]:
    survey = load_catalog(BUNDLED_DIR).surveys["commute"]
    state = new_session(survey, "u-cost", {"user_agent": "x" * 120}, "en")
    for step, value in [("intro", None), ("mode", "Car"), ("minutes", 25)]:
        state = handle(survey, state, Answer(state.last_seq + 1, step, value)).state
    seq = state.last_seq + 1
    message = Answer(seq, "satisfaction", 7)
    frame = json.dumps({"type": "answer", "seq": seq, "step": "satisfaction", "value": 7})
    transition = handle(survey, state, message)
    reply = transition.replies[0]
    record = transition.state.to_record()

    rows: list[tuple[str, float, float]] = []
    rows.append(("decode the frame",
                 _best_us(lambda: parse_message(decode_frame(frame)), number),
                 _best_us(lambda: json.loads(frame), number)))
    rows.append(("state machine and step view",
                 _best_us(lambda: handle(survey, state, message), number),
                 0.0))
    rows.append(("the record to write", _best_us(transition.state.to_record, number), 0.0))
    rows.append(("encode the reply", _best_us(lambda: strict_json.dumps(reply), number), 0.0))
    answers: dict[str, Any] = {"intro": None, "mode": "Car", "minutes": 25}

    with tempfile.TemporaryDirectory() as folder:
        ours = _database(Path(folder) / "ours.db", migrate)
        create_job(replace(record, last_seq=0), "h" * 64, "owner", [], ours)
        ideal = _database(Path(folder) / "ideal.db",
                          lambda conn: [conn.execute(s) for s in SCHEMA])
        _create("s", "owner", json.dumps(PADDING), ideal)

        counter = {"ours": 0, "ideal": 0}

        def our_write() -> None:
            expected = counter["ours"]
            counter["ours"] += 1
            step = replace(record, last_seq=expected + 1)
            ours.execute("BEGIN")
            save_job(step, "owner", expected, transition.history, False, 5000,
                     replace(record, last_seq=expected), ours)
            ours.execute("COMMIT")

        def ideal_write() -> None:
            counter["ideal"] += 1
            data = json.dumps({**PADDING, "answers": answers})
            ideal.execute("BEGIN")
            _save("s", "owner", counter["ideal"], data, frame, ideal)
            ideal.execute("COMMIT")

        rows.append(("the durable write (SQL and its JSON)", _best_us(our_write, number),
                     _best_us(ideal_write, number)))

        # Per visit, shared by its answers: a new session (welcome and first step, its row),
        # and the save on disconnect.
        made = {"ours": 0, "ideal": 0}

        def our_visit() -> None:
            made["ours"] += 1
            fresh = new_session(survey, f"v-{made['ours']}", {"user_agent": "x" * 120}, "en")
            token = new_token()
            strict_json.dumps(welcome_message(survey, fresh, resumed=False, token=token))
            strict_json.dumps(current_view(survey, fresh, None))
            ours.execute("BEGIN")
            create_job(fresh.to_record(), hash_token(token), "owner",
                       [HistoryEntry("created", fresh.current_step)], ours)
            save_job(fresh.to_record(), "owner", 0,
                     [HistoryEntry("disconnected", fresh.current_step)], True, 5000,
                     fresh.to_record(), ours)
            ours.execute("COMMIT")

        def ideal_visit() -> None:
            made["ideal"] += 1
            ideal.execute("BEGIN")
            _create(f"v-{made['ideal']}", "owner", json.dumps(PADDING), ideal)
            _save(f"v-{made['ideal']}", "owner", 0, json.dumps(PADDING), None, ideal)
            ideal.execute("COMMIT")

        rows.append((f"a visit's start and end, over its {ANSWERS_PER_VISIT} answers",
                     _best_us(our_visit, number) / ANSWERS_PER_VISIT,
                     _best_us(ideal_visit, number) / ANSWERS_PER_VISIT))
        ours.close()
        ideal.close()
    return rows


def table(rows: list[tuple[str, float, float]]) -> str:
    lines = ["| per answer | server µs | ideal µs | difference µs |", "|---|---:|---:|---:|"]
    for name, ours, ideal in rows:
        lines.append(f"| {name} | {ours:.1f} | {ideal:.1f} | {ours - ideal:.1f} |")
    total_ours = sum(r[1] for r in rows)
    total_ideal = sum(r[2] for r in rows)
    lines.append(f"| **total of these** | {total_ours:.1f} | {total_ideal:.1f} | "
                 f"{total_ours - total_ideal:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.step_costs", description=__doc__)
    parser.add_argument("--number", type=int, default=NUMBER, help="calls per timing run")
    print(table(measure(parser.parse_args(argv).number)))


if __name__ == "__main__":
    main()
