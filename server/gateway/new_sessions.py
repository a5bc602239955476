"""New sessions per client address per minute: a sliding window of creation times."""

from __future__ import annotations

import time
from collections import deque

WINDOW = 60.0
# Addresses remembered at most; past it the quietest are forgotten (memory stays bounded).
MAX_ADDRESSES = 100_000


class NewSessionLimit:
    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._recent: dict[str, deque[float]] = {}

    def allow(self, address: str, now: float | None = None) -> bool:
        """Count a session about to be created from `address`; False past the limit."""
        moment = time.monotonic() if now is None else now
        recent = self._recent.get(address)
        if recent is None:
            if len(self._recent) >= MAX_ADDRESSES:
                self._forget(moment)
            recent = self._recent[address] = deque()
        while recent and recent[0] <= moment - WINDOW:
            recent.popleft()
        if len(recent) >= self.per_minute:
            return False
        recent.append(moment)
        return True

    def _forget(self, moment: float) -> None:
        stale = [a for a, times in self._recent.items() if not times or times[-1] <= moment - WINDOW]
        for address in stale or list(self._recent)[: MAX_ADDRESSES // 10]:
            del self._recent[address]
