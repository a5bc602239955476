"""A histogram cheap enough for the message path: a bisect and two additions, no lock.

Each instance is changed by one thread only (the event loop, or the writer thread);
Prometheus reads it at scrape time, from a copy.
"""

from __future__ import annotations

from bisect import bisect_left

# Seconds: an ack is a commit away (a few ms alone, tens under load, the write timeout at worst).
LATENCY_BUCKETS = (
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)


class Histogram:
    """Bucket counts and a sum; `observe` is a bisect and two additions."""

    __slots__ = ("bounds", "counts", "total")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)  # the last is +Inf
        self.total = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self.bounds, value)] += 1
        self.total += value

    def cumulative(self) -> list[tuple[str, float]]:
        """(le, count) pairs as Prometheus wants them, +Inf last."""
        counts = list(self.counts)  # one copy: another thread may be adding
        running = 0
        pairs: list[tuple[str, float]] = []
        for bound, count in zip((*self.bounds, float("inf")), counts):
            running += count
            pairs.append(("+Inf" if bound == float("inf") else repr(float(bound)), running))
        return pairs
