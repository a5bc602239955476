"""Where a durable step's CPU goes, in the survey server and in the ideal durable server.

Both run under the same load while py-spy samples, at a fixed rate, whichever thread holds
the GIL. Each of the main thread's samples is put in one category by the innermost frame
that belongs to one (the rules below) and counts for 1/rate seconds. What the kernel
counted for the main thread (/proc) beyond its samples is its time outside the GIL: uvloop
waiting on and reading sockets, system calls. The writer thread runs SQLite without the
GIL, so it is shown as a whole, from /proc; bench/step_costs.py splits a write's cost.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# (category, pattern over one main-thread frame as py-spy names it: 'function (path)').
MAIN_RULES: tuple[tuple[str, str], ...] = (
    ("logging (uvicorn's lines per connection)", r"\(logging/"),
    ("decoding the frame", (r"^(decode_frame|parse_message|parse_hello|message_type|_field|_seq"
                            r"|_present|loads|JSONDecoder\.\w+) ")),
    ("the step view", (r"^(step_message|complete_message|current_view|welcome_message|progress"
                       r"|estimated_remaining|SessionState\.public|final_answers) ")),
    ("the state machine", (r"^(handle|_advance|_answer|_reject|_back|_audio_mode|_language"
                           r"|_draft|validate_value|next_step|SessionState\.evolve"
                           r"|closed_message|Survey\.localized) ")),
    ("the record (state to row)", (r"^(SessionState\.to_record|SessionState\.path_answers"
                                   r"|on_path_answers) ")),
    ("encoding (replies; the ideal's row)", r"^(dumps|JSONEncoder\.\w+) "),
    ("store calls, futures and wake-ups", (r"^(SQLiteStore\.\w+|SQLiteWriter\.submit"
                                           r"|Retrying\.\w+|_resolve_all|SessionStore\.committed"
                                           r"|LiveFeed\.committed) ")),
    ("a visit's start (hello to welcome)", (r"^(establish|Connection\.start_session"
                                            r"|Connection\.receive_hello|new_session"
                                            r"|new_session_secrets|hash_token|Registry\.\w+"
                                            r"|Gateway\.\w+|NewSessionLimit\.\w+"
                                            r"|_Owners\.\w+|address_group|origin_allowed) ")),
    ("the disconnect path", r"^LiveSession\.(release|_save_drafts) "),
    ("the connection loop", (r"^(Connection\.\w+|LiveSession\.apply|TokenBucket\.\w+"
                             r"|Histogram\.observe|IdealServer\.endpoint) ")),
    ("Starlette", r"\(starlette/"),
    ("uvicorn, websockets, h11", r"\((uvicorn|websockets|h11|email)/|\(slow_clients\.py"),
    ("event loop and tasks", r"\(asyncio/|\(runners\.py|^Runner\."),
)
MAIN_OTHER = "other (main thread)"
OUTSIDE_GIL = "main thread, not in the samples (socket I/O and system calls without the GIL)"


def categorize(collapsed: Path, pid: int) -> Counter[str]:
    """Samples per category of the main thread, from py-spy's raw output recorded with
    --threads ('thread (TID): NAME;frame;frame COUNT')."""
    main: Counter[str] = Counter()
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        thread, *frames = stack.split(";")
        if "MainThread" in thread or thread.startswith(f"thread ({pid})"):
            main[_category(frames)] += int(count)
    return main


def _category(frames: Iterable[str]) -> str:
    """The category of the innermost frame that has one."""
    for frame in reversed(list(frames)):
        # 'next_step.<locals>.lookup (survey/navigation.py:28)' -> 'next_step (survey/...)'
        function, _, where = re.sub(r":\d+\)$", ")", frame).partition(" (")
        frame = f"{function.split('.<locals>')[0]} ({where}"
        for name, pattern in MAIN_RULES:
            if re.search(pattern, frame):
                return name
    return MAIN_OTHER


@dataclass(frozen=True)
class Account:
    """One process's CPU per step (µs): its main thread's by category, and the others'."""

    main: dict[str, float]
    main_us: float  # the main thread's CPU per step, as the kernel counted it
    writer_us: float  # every other thread's: the SQLite writer (the rest are idle)

    @classmethod
    def of(cls, collapsed: Path, pid: int, rate: float, steps: int, main_cpu: float,
           other_cpu: float) -> Account:
        """`rate`: py-spy's samples a second; `steps` measured; CPU seconds from /proc."""
        per_sample_us = 1e6 / rate / steps
        main = {name: n * per_sample_us for name, n in categorize(collapsed, pid).items()}
        main_us = main_cpu / steps * 1e6
        main[OUTSIDE_GIL] = max(0.0, main_us - sum(main.values()))
        return cls(main, main_us, other_cpu / steps * 1e6)


def account_table(ideal: Account, server: Account) -> str:
    lines = ["| CPU per durable step | ideal µs | server µs | difference µs |",
             "|---|---:|---:|---:|"]

    def row(name: str, a: float, b: float, bold: bool = False) -> None:
        text = f"| {name} | {a:.1f} | {b:.1f} | {b - a:+.1f} |"
        lines.append(text.replace(f"| {name} |", f"| **{name}** |") if bold else text)

    names = [name for name, _ in MAIN_RULES] + [MAIN_OTHER, OUTSIDE_GIL]
    for name in sorted(names, key=lambda n: ideal.main.get(n, 0) - server.main.get(n, 0)):
        row(name, ideal.main.get(name, 0.0), server.main.get(name, 0.0))
    row("main thread (event loop), all", ideal.main_us, server.main_us, bold=True)
    row("writer thread (SQL, JSON, commits)", ideal.writer_us, server.writer_us, bold=True)
    row("the whole process", ideal.main_us + ideal.writer_us,
        server.main_us + server.writer_us, bold=True)
    return "\n".join(lines)
