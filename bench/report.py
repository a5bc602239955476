"""Figures from rounds: percentiles, medians of paired ratios, and the printed table."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of unsorted values."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    # ceil(fraction * n), less a hair so that 0.99 * 100 is rank 99, not 100.
    rank = max(1, math.ceil(fraction * len(ordered) - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass(frozen=True)
class Round:
    """One measured window against one target."""

    steps_per_second: float
    p50_ms: float
    p99_ms: float
    server_cpu_us_per_step: float
    client_cpu_share: float  # of one CPU, during the window
    # Where the respondents were, on average over the window (Little's law: the time
    # they spent there over the window's length): waiting for an answer's ack, or
    # connecting (from opening the connection to the reply to hello).
    in_steps: float = 0.0
    in_handshakes: float = 0.0
    handshake_p99_ms: float = 0.0


@dataclass(frozen=True)
class Comparison:
    """Alternating echo and server rounds at one load; medians across the rounds."""

    synchronous: str
    respondents: int
    echo: list[Round]
    server: list[Round]
    batch_sizes: dict[int, int]  # writes per commit -> commits, over the server rounds
    # The ideal durable server's rounds, each run between an echo round and a server round.
    ideal: list[Round] = field(default_factory=list)

    def median(self, rounds: list[Round], field: str) -> float:
        return float(statistics.median(float(getattr(r, field)) for r in rounds))

    def three_ways(self, field: str, fmt: str) -> str:
        """'echo / ideal / server': the field's median of each, formatted."""
        return " / ".join(format(self.median(rounds, field), fmt)
                          for rounds in (self.echo, self.ideal, self.server))

    def ratio(self, field: str, over: str = "echo", of: str = "server") -> float:
        """Median over rounds of `of`/`over` (server/echo by default), paired round by round."""
        pairs = zip(getattr(self, over), getattr(self, of))
        ratios = [float(getattr(b, field)) / getattr(a, field) for a, b in pairs]
        return float(statistics.median(ratios))

    @property
    def writes_per_commit(self) -> float:
        commits = sum(self.batch_sizes.values())
        return sum(size * n for size, n in self.batch_sizes.items()) / commits if commits else 0.0

    @property
    def largest_batch(self) -> int:
        return max(self.batch_sizes, default=0)


def comparison_table(comparisons: Sequence[Comparison]) -> str:
    header = (
        "| sync | respondents | echo steps/s | server steps/s | ratio | echo p50 / p99 ms "
        "| server p50 / p99 ms | p99 ratio | CPU µs/step echo / server | writes per commit "
        "(mean, max) |"
    )
    lines = [header, _rule(header)]
    for c in comparisons:
        lines.append(
            f"| {c.synchronous} | {c.respondents:,} "
            f"| {c.median(c.echo, 'steps_per_second'):,.0f} "
            f"| {c.median(c.server, 'steps_per_second'):,.0f} "
            f"| {c.ratio('steps_per_second'):.2f} "
            f"| {c.median(c.echo, 'p50_ms'):.1f} / {c.median(c.echo, 'p99_ms'):.1f} "
            f"| {c.median(c.server, 'p50_ms'):.1f} / {c.median(c.server, 'p99_ms'):.1f} "
            f"| {c.ratio('p99_ms'):.2f} "
            f"| {c.median(c.echo, 'server_cpu_us_per_step'):.0f} / "
            f"{c.median(c.server, 'server_cpu_us_per_step'):.0f} "
            f"| {c.writes_per_commit:.1f}, {c.largest_batch} |"
        )
    return "\n".join(lines)


def three_way_table(comparisons: Sequence[Comparison]) -> str:
    """Echo, ideal durable server and survey server side by side, where the ideal ran."""
    header = (
        "| sync | respondents | steps/s echo / ideal / server | p50 ms echo / ideal / server "
        "| p99 ms echo / ideal / server | CPU µs/step echo / ideal / server "
        "| server/ideal steps/s | server/ideal CPU | server/ideal p99 | ideal/echo steps/s |"
    )
    lines = [header, _rule(header)]
    for c in comparisons:
        if not c.ideal:
            continue

        lines.append(
            f"| {c.synchronous} | {c.respondents:,} | {c.three_ways('steps_per_second', ',.0f')} "
            f"| {c.three_ways('p50_ms', '.1f')} | {c.three_ways('p99_ms', '.1f')} "
            f"| {c.three_ways('server_cpu_us_per_step', '.0f')} "
            f"| {c.ratio('steps_per_second', over='ideal'):.2f} "
            f"| {c.ratio('server_cpu_us_per_step', over='ideal'):.2f} "
            f"| {c.ratio('p99_ms', over='ideal'):.2f} "
            f"| {c.ratio('steps_per_second', over='echo', of='ideal'):.2f} |"
        )
    return "\n".join(lines)


def latency_table(comparisons: Sequence[Comparison]) -> str:
    """What sets the p99: where the respondents wait, echo, ideal and server side by side."""
    header = (
        "| sync | respondents | step p99 ms echo / ideal / server | waiting on a step (mean) "
        "| connecting (mean) | connect to hello reply p99 ms |"
    )
    lines = [header, _rule(header)]
    for c in comparisons:
        if not c.ideal:
            continue

        lines.append(
            f"| {c.synchronous} | {c.respondents:,} | {c.three_ways('p99_ms', '.1f')} "
            f"| {c.three_ways('in_steps', ',.0f')} | {c.three_ways('in_handshakes', ',.0f')} "
            f"| {c.three_ways('handshake_p99_ms', ',.0f')} |"
        )
    return "\n".join(lines)


def ideal_goals(comparisons: Sequence[Comparison]) -> list[str]:
    """Issue 13's goals against the ideal durable server, from the FULL rows."""
    wanted = {100: 0.85, 1000: 0.8}
    found = []
    for c in comparisons:
        if c.synchronous != "FULL" or c.respondents not in wanted or not c.ideal:
            continue
        ratio = c.ratio("steps_per_second", over="ideal")
        cpu = c.ratio("server_cpu_us_per_step", over="ideal")
        p99 = c.ratio("p99_ms", over="ideal")
        line = (f"{c.respondents:,} respondents, FULL: throughput {ratio:.2f} of ideal (goal >= "
                f"{wanted[c.respondents]}): {'met' if ratio >= wanted[c.respondents] else 'NOT met'}"
                f"; p99 {p99:.2f}x ideal (goal <= 1.5): {'met' if p99 <= 1.5 else 'NOT met'}")
        if c.respondents == 100:
            line += f"; CPU per step {cpu:.2f}x ideal (goal <= 1.15): " + (
                "met" if cpu <= 1.15 else "NOT met")
        found.append(line)
    return found


def _rule(header: str) -> str:
    return "|" + "---|" * (header.count("|") - 1)


def goals(comparisons: Sequence[Comparison]) -> list[str]:
    """The issue's goals, each marked met or not met, from the FULL rows."""
    wanted = {100: 0.8, 1000: 0.7}
    found = []
    for c in comparisons:
        if c.synchronous != "FULL" or c.respondents not in wanted:
            continue
        ratio, p99 = c.ratio("steps_per_second"), c.ratio("p99_ms")
        found.append(
            f"{c.respondents:,} respondents, FULL: throughput {ratio:.2f} of echo "
            f"(goal >= {wanted[c.respondents]}): {'met' if ratio >= wanted[c.respondents] else 'NOT met'}; "
            f"p99 {p99:.2f}x echo (goal <= 1.5): {'met' if p99 <= 1.5 else 'NOT met'}"
        )
    return found
