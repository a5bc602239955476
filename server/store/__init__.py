"""Durable sessions and their history, behind one contract (see base.py)."""

from .base import (
    Fenced,
    HistoryRow,
    SchemaTooNew,
    SessionExists,
    SessionNotFound,
    SessionStore,
    StorageUnavailable,
    StoredSession,
    TokenMismatch,
    TransientStorageError,
    WriteStats,
)
from .postgres import PostgresStore
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
    "Fenced",
    "HistoryEntry",
    "HistoryRow",
    "NumberSummary",
    "PageKey",
    "PostgresStore",
    "RawFigures",
    "RetryPolicy",
    "SQLiteStore",
    "SchemaTooNew",
    "SessionExists",
    "SessionNotFound",
    "SessionRecord",
    "SessionRow",
    "SessionStore",
    "Status",
    "StatusCounts",
    "StepKinds",
    "StorageUnavailable",
    "StoredSession",
    "TokenMismatch",
    "TransientStorageError",
    "WriteStats",
]
