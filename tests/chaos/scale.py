"""How big a chaos run is: short inside `make test`, full under `make chaos`."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    respondents: int
    kills: int  # SIGKILLs in the kill run
    acks_between_kills: tuple[int, int]  # a kill comes after a random number of new acks
    fuzz_examples: int


SHORT = Scale("short", respondents=12, kills=3, acks_between_kills=(20, 60), fuzz_examples=150)
FULL = Scale("full", respondents=60, kills=25, acks_between_kills=(20, 400), fuzz_examples=2000)

SCALE = FULL if os.environ.get("CHAOS_SCALE") == "full" else SHORT

# Chaos loads come from one address, faster than a person: the per-connection limits
# would only measure themselves.
# All the load comes from one address, faster than people answer: the per-connection and
# per-address limits are tested elsewhere (test_ws_limits, test_address_budget).
SERVER_ARGS = ("--rate-limit", "100000", "--rate-burst", "100000",
               "--max-connections-per-address", "100000", "--address-rate-limit", "1000000",
               "--address-rate-burst", "1000000", "--new-sessions-per-minute", "1000000")


def report(title: str, figures: dict[str, object]) -> str:
    """One line of figures, printed (make chaos shows them; README quotes them)."""
    line = f"chaos [{SCALE.name}] {title}: " + ", ".join(f"{k} {v}" for k, v in figures.items())
    print("\n" + line)
    return line
