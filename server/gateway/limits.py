"""Message rates: a token bucket per connection, and one per address shared by its connections."""

from __future__ import annotations

import time


class TokenBucket:
    """Allows `burst` messages at once and `rate` per second on average."""

    __slots__ = ("_stamp", "_tokens", "burst", "rate")

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._stamp = time.monotonic()

    def _refill(self) -> None:
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def take(self) -> bool:
        self._refill()
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False

    def full(self) -> bool:
        self._refill()
        return self._tokens >= self.burst


class AddressBudgets:
    """One bucket per address group, however many connections it opens.

    A bucket outlives its address's last connection until it has refilled, so closing and
    reopening connections does not buy a fresh burst.
    """

    PRUNE_EVERY = 1.0  # seconds; pruning scans every bucket

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, tuple[TokenBucket, int]] = {}
        self._pruned = time.monotonic()

    def acquire(self, address: str) -> TokenBucket:
        """The bucket a new connection from `address` draws on; release() it when it ends."""
        entry = self._buckets.get(address)
        if entry is None:
            self._prune()
            entry = (TokenBucket(self.rate, self.burst), 0)
        bucket, users = entry
        self._buckets[address] = (bucket, users + 1)
        return bucket

    def release(self, address: str) -> None:
        bucket, users = self._buckets[address]
        self._buckets[address] = (bucket, users - 1)

    def __len__(self) -> int:
        return len(self._buckets)

    def _prune(self) -> None:
        now = time.monotonic()
        if now - self._pruned < self.PRUNE_EVERY:
            return
        self._pruned = now
        idle = [a for a, (bucket, users) in self._buckets.items() if not users and bucket.full()]
        for address in idle:
            del self._buckets[address]
