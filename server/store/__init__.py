"""Durable sessions and their history, behind one contract (see base.py)."""

from .base import (
    DatabaseDamaged,
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
from .records import HistoryEntry, SessionRecord
from .retry import RetryPolicy
from .sqlite import SQLiteStore

__all__ = [
    "DatabaseDamaged", "Fenced", "HistoryEntry", "HistoryRow", "RetryPolicy", "SQLiteStore", "SchemaTooNew",
    "SessionExists", "SessionNotFound", "SessionRecord", "SessionStore", "StorageUnavailable",
    "StoredSession", "TokenMismatch", "TransientStorageError", "WriteStats",
]
