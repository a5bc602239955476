"""Work the server does on a timer while serving: the hourly purge and scheduled backups."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from .durations import timestamp_before
from .settings import Settings
from .store import SessionStore, StorageUnavailable

logger = logging.getLogger(__name__)

PURGE_EVERY = 3600.0
BACKUP_NAME = re.compile(r"-\d{8}T\d{6}\.\d{3}Z\.db$")


def backup_name(db: Path, now: datetime | None = None) -> str:
    moment = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S.%f")[:-3]
    return f"{db.stem}-{moment}Z.db"


def scheduled_backups(directory: Path, db: Path) -> list[Path]:
    """This database's scheduled backups in `directory`, oldest first (names sort by time)."""
    return sorted(p for p in directory.glob(f"{db.stem}-*Z.db") if BACKUP_NAME.search(p.name))


class Housekeeping:
    def __init__(
        self, settings: Settings, store: SessionStore,
        on_purged: Callable[[list[str]], Awaitable[None]],
    ) -> None:
        self.settings = settings
        self.store = store
        self.on_purged = on_purged
        self.purges = 0  # completed runs, for tests and logs
        self.backups = 0

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        stopping = asyncio.Event()
        tasks = []
        if self.settings.retention:
            tasks.append(asyncio.create_task(
                self._every(PURGE_EVERY, self.purge, stopping), name="purge"))
        if self.settings.backup_dir is not None:
            tasks.append(asyncio.create_task(
                self._every(self.settings.backup_every, self.backup, stopping, first_wait=True),
                name="backup"))
        try:
            yield
        finally:
            # Runs in progress finish (a backup cut off would leave a half-written file);
            # only the waits between them are cut short.
            stopping.set()
            await asyncio.gather(*tasks, return_exceptions=True)

    @staticmethod
    async def _every(
        seconds: float, work: Callable[[], Awaitable[None]], stopping: asyncio.Event,
        first_wait: bool = False,
    ) -> None:
        async def stopped_within(delay: float) -> bool:
            try:
                await asyncio.wait_for(stopping.wait(), delay)
            except TimeoutError:
                return False
            return True

        if first_wait and await stopped_within(seconds):
            return
        while not stopping.is_set():
            try:
                await work()
            except Exception:  # logged; the next run tries again
                logger.exception("%s failed", getattr(work, "__name__", "housekeeping"))
            if await stopped_within(seconds):
                return

    async def purge(self) -> None:
        """Delete sessions idle longer than the retention (OPERATORS.md: Retention)."""
        cut = timestamp_before(self.settings.retention)
        try:
            removed = await self.store.purge(cut)
        except StorageUnavailable as exc:
            logger.warning("the retention purge could not run: %s", exc)
            return
        self.purges += 1
        if removed:
            logger.info("retention: removed %d session(s) idle since before %s", len(removed), cut)
            await self.on_purged([item.user_id for item in removed])

    async def backup(self) -> None:
        directory = self.settings.backup_dir
        assert directory is not None
        dest = directory / backup_name(self.settings.db)
        await self.store.backup(dest)
        self.backups += 1
        logger.info("backed up the database to %s", dest)
        kept = scheduled_backups(directory, self.settings.db)
        for old in kept[:-self.settings.backup_keep]:
            old.unlink(missing_ok=True)
            logger.info("removed the old backup %s", old)
