"""The live sessions of this process: one connection per session, counted per address."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from .live import LiveSession


class Registry:
    def __init__(self, max_per_address: int) -> None:
        self.max_per_address = max_per_address
        self._sessions: dict[str, LiveSession] = {}
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}
        self._addresses: Counter[str] = Counter()

    @asynccontextmanager
    async def user_lock(self, user_id: str) -> AsyncIterator[None]:
        """Serialises handshakes for one session, so two takeovers cannot interleave."""
        lock, users = self._locks.get(user_id, (asyncio.Lock(), 0))
        self._locks[user_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[user_id]
            if users == 1:
                del self._locks[user_id]
            else:
                self._locks[user_id] = (lock, users - 1)

    def get(self, user_id: str) -> LiveSession | None:
        return self._sessions.get(user_id)

    def add(self, live: LiveSession) -> None:
        self._sessions[live.user_id] = live

    def remove(self, live: LiveSession) -> None:
        if self._sessions.get(live.user_id) is live:
            del self._sessions[live.user_id]

    def all(self) -> list[LiveSession]:
        return list(self._sessions.values())

    def __len__(self) -> int:
        return len(self._sessions)

    def admit(self, address: str) -> bool:
        """Count a new connection from `address`; False when it is over the limit."""
        if self._addresses[address] >= self.max_per_address:
            return False
        self._addresses[address] += 1
        return True

    def connections_from(self, address: str) -> int:
        return self._addresses.get(address, 0)

    def leave(self, address: str) -> None:
        self._addresses[address] -= 1
        if self._addresses[address] <= 0:
            del self._addresses[address]
