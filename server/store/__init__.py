"""Durable sessions and their history, behind one contract (see base.py)."""

from .base import (
    DatabaseDamaged,
    Erased,
    Fenced,
    HistoryRow,
    PurgedSession,
    SchemaTooNew,
    SessionExists,
    SessionNotFound,
    SessionsExist,
    SessionStore,
    StorageUnavailable,
    StoredSession,
    TokenMismatch,
    TransientStorageError,
    WriteStats,
)
from .records import HistoryEntry, SessionRecord
from .results import (
    STATUSES,
    NumberSummary,
    PageKey,
    RawFigures,
    SessionRow,
    Status,
    StatusCounts,
    StepKinds,
)
from .retry import RetryPolicy
from .sqlite import SQLiteStore

__all__ = [
    "STATUSES",
    "DatabaseDamaged",
    "Erased",
    "Fenced",
    "HistoryEntry",
    "HistoryRow",
    "NumberSummary",
    "PageKey",
    "PurgedSession",
    "RawFigures",
    "RetryPolicy",
    "SQLiteStore",
    "SchemaTooNew",
    "SessionExists",
    "SessionNotFound",
    "SessionRecord",
    "SessionRow",
    "SessionStore",
    "SessionsExist",
    "Status",
    "StatusCounts",
    "StepKinds",
    "StorageUnavailable",
    "StoredSession",
    "TokenMismatch",
    "TransientStorageError",
    "WriteStats",
]
