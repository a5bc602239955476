"""Forward-only SQLite migrations; the version lives in PRAGMA user_version."""

from __future__ import annotations

import logging
import sqlite3

from .base import SchemaTooNew

logger = logging.getLogger(__name__)

# MIGRATIONS[n] takes a database from version n to n + 1. Never edit a released one:
# append a new entry instead.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """
        CREATE TABLE sessions (
            user_id TEXT PRIMARY KEY,
            survey_id TEXT NOT NULL,
            survey_version INTEGER NOT NULL,
            current_step TEXT NOT NULL,
            answers TEXT NOT NULL DEFAULT '{}',
            step_history TEXT NOT NULL DEFAULT '[]',
            is_audio_mode INTEGER NOT NULL DEFAULT 0 CHECK (is_audio_mode IN (0, 1)),
            session_data TEXT NOT NULL DEFAULT '{}',
            last_seq INTEGER NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
            token_hash TEXT NOT NULL,
            owner TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            completed_at TEXT
        )
        """,
        "CREATE INDEX sessions_by_survey ON sessions (survey_id, completed_at)",
        """
        CREATE TABLE session_history (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            user_id TEXT NOT NULL REFERENCES sessions (user_id) ON DELETE CASCADE,
            action TEXT NOT NULL,
            step TEXT,
            answer TEXT,
            seq INTEGER,
            timestamp TEXT NOT NULL
        )
        """,
        "CREATE INDEX session_history_by_user ON session_history (user_id, id)",
    ),
    (
        # NULL: the survey's first language (sessions from before languages existed).
        "ALTER TABLE sessions ADD COLUMN language TEXT",
        # 1 while a session created by invitation has never been opened.
        "ALTER TABLE sessions ADD COLUMN invited INTEGER NOT NULL DEFAULT 0"
        " CHECK (invited IN (0, 1))",
        # Operators' lists and exports page through a survey in (created_at, user_id) order.
        "CREATE INDEX sessions_by_survey_created ON sessions (survey_id, created_at, user_id)",
        # Expiry and retention look for sessions idle since a given time.
        "CREATE INDEX sessions_by_activity ON sessions (updated_at)",
        """
        CREATE TABLE admin_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            action TEXT NOT NULL,
            survey_id TEXT,
            user_id TEXT,
            rows INTEGER
        )
        """,
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    return version


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database to SCHEMA_VERSION; safe when several processes start at once."""
    conn.execute("BEGIN IMMEDIATE")  # the version is re-read under the write lock
    try:
        current = schema_version(conn)
        if current > SCHEMA_VERSION:
            raise SchemaTooNew(
                f"the database is at schema version {current}, newer than this server's "
                f"{SCHEMA_VERSION}: run a newer server, or restore a backup"
            )
        for version in range(current, SCHEMA_VERSION):
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            logger.info("migrated the database to schema version %d", version + 1)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return SCHEMA_VERSION
