"""The store contract. SQLite is the embedded backend; another (PostgreSQL) fits behind it.

Every write is fenced: it names the connection (`owner`) that must still own the session,
and fails with `Fenced` when another connection has taken the session over.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..histogram import LATENCY_BUCKETS, Histogram
from .records import HistoryEntry, SessionRecord
from .results import ResultsReader


class StoreError(Exception):
    """Base of the errors a store reports."""


class SessionExists(StoreError):
    """`create` found the user_id taken (another connection created it first)."""


class SessionNotFound(StoreError):
    pass


class SessionsExist(StoreError):
    """`invite` found some ids taken (in any survey: ids are global). Nothing was created."""

    def __init__(self, user_ids: Sequence[str]) -> None:
        super().__init__(", ".join(user_ids))
        self.user_ids = list(user_ids)


class TokenMismatch(StoreError):
    """The token does not open this session. Nothing was changed."""


class Fenced(StoreError):
    """The session is owned by another connection now; the write was not applied."""


class TransientStorageError(StoreError):
    """A failure worth retrying: a locked database, a full write queue, a dropped link."""


class StorageUnavailable(StoreError):
    """Retries are exhausted. Nothing was applied."""


class SchemaTooNew(StoreError):
    """The database was migrated by a newer version of this server."""


class DatabaseDamaged(StoreError):
    """The database file is not a database, or is damaged (truncated, overwritten)."""


@dataclass(frozen=True, slots=True)
class StoredSession:
    record: SessionRecord
    token_hash: str
    owner: str | None


@dataclass(frozen=True, slots=True)
class HistoryRow:
    id: int
    user_id: str
    action: str
    step: str | None
    answer: Any
    seq: int | None
    timestamp: str


@dataclass(frozen=True, slots=True)
class Erased:
    user_id: str
    survey_id: str


@dataclass(frozen=True, slots=True)
class PurgedSession:
    user_id: str
    survey_id: str
    updated_at: str


@dataclass
class WriteStats:
    """Counters for tests and benchmarks: how writes were grouped into commits."""

    commits: int = 0
    writes: int = 0
    retries: int = 0
    batch_sizes: dict[int, int] = field(default_factory=dict)
    # Seconds from a batch's BEGIN (lock wait included) to its COMMIT, successful ones.
    commit_seconds: Histogram = field(default_factory=lambda: Histogram(LATENCY_BUCKETS))


class SessionStore(ABC):
    stats: WriteStats
    # The operators' read side (lists, exports, figures), on connections of its own.
    results: ResultsReader

    def watch_takeovers(self, sink: Callable[[str, str], None]) -> None:
        """Call `sink(user_id, new_owner)` when any process claims a session.

        A store shared by several processes announces takeovers (PostgreSQL: NOTIFY);
        the embedded one does not, and the gateway's autosave tick notices them instead.
        """

    def __init__(self) -> None:
        # Called with a survey id after each committed write of one of its sessions.
        self.commit_listeners: list[Callable[[str], None]] = []

    def committed(self, survey_id: str) -> None:
        for listener in self.commit_listeners:
            listener(survey_id)

    @abstractmethod
    async def open(self) -> None:
        """Connect and migrate; raise SchemaTooNew for a database from a newer server."""

    @abstractmethod
    async def close(self) -> None:
        """Finish every queued write, then disconnect."""

    @abstractmethod
    async def create(
        self, record: SessionRecord, token_hash: str, owner: str, history: Sequence[HistoryEntry]
    ) -> SessionRecord:
        """Insert a new session owned by `owner`; SessionExists if the id is taken."""

    @abstractmethod
    async def claim(self, user_id: str, token_hash: str, owner: str) -> SessionRecord:
        """Check the token, then make `owner` the session's owner and record `resumed`.

        SessionNotFound or TokenMismatch leave everything as it was.
        """

    @abstractmethod
    async def save(
        self,
        record: SessionRecord,
        owner: str,
        expected_last_seq: int,
        history: Sequence[HistoryEntry],
        release: bool = False,
        previous: SessionRecord | None = None,
    ) -> None:
        """Write the session and its history rows in one transaction, if `owner` owns it.

        Fenced when another connection owns it; SessionNotFound when it was erased. Past
        the store's history cap (max_history_rows) `rejected` rows are dropped, and a
        single `history_capped` row records that they were.

        `release` also gives up ownership (the connection is closing).

        `previous` is the record as this owner last committed it (fencing guarantees the
        row still holds it): a store may leave out the columns that did not change.
        """

    @abstractmethod
    async def load(self, user_id: str) -> StoredSession | None: ...

    @abstractmethod
    async def owners(self, user_ids: Sequence[str]) -> dict[str, str | None]:
        """Current owner of each session, for noticing takeovers by other processes."""

    @abstractmethod
    async def history(self, user_id: str) -> list[HistoryRow]: ...

    @abstractmethod
    async def healthy(self) -> bool: ...

    @abstractmethod
    async def log_admin(
        self, action: str, survey_id: str | None, user_id: str | None, rows: int | None
    ) -> None:
        """Record an operator's read, export, erasure or invitation in `admin_log` (no answers)."""

    # --- who takes part, and how long data lives (OPERATORS.md) ---

    @abstractmethod
    async def invite(
        self, survey_id: str, invitations: Sequence[tuple[SessionRecord, str]]
    ) -> None:
        """Create invited sessions (record, token hash), never opened, all or none.

        SessionsExist names every id already taken; an `invite` row goes to admin_log.
        """

    @abstractmethod
    async def erase(self, user_ids: Sequence[str]) -> list[Erased]:
        """Remove each session and all its history at once; those that existed.

        Each erasure leaves an `erase` row in admin_log with the erased id. Afterwards no
        erased answer may remain readable in the storage's files (secure delete).
        """

    @abstractmethod
    async def purge(self, idle_before: str, dry_run: bool = False) -> list[PurgedSession]:
        """Delete (or with dry_run only list) sessions whose last activity is older."""

    @abstractmethod
    async def backup(self, dest: Path) -> None:
        """Write a consistent, checked copy of the data to `dest` while serving goes on."""

    def write_trouble(self) -> str | None:
        """Why writes are failing or stalled right now (for readiness), or None."""
        return None
