"""Forward-only PostgreSQL migrations, recorded in `schema_migrations`, under an advisory lock.

The schema mirrors SQLite's (sqlite_schema.py) version for version, so that both stores
report the same SCHEMA_VERSION and a database can be copied from one to the other.
Timestamps stay ISO 8601 text, as on SQLite: the store compares and pages by them as text.
JSON columns are `json`, not `jsonb`: the text is kept as written (key order included).
"""

from __future__ import annotations

import logging

import asyncpg

from .base import SchemaTooNew

logger = logging.getLogger(__name__)

# Any fixed number, the same in every server process: whoever holds it migrates.
MIGRATION_LOCK = 0x5355_5256  # "SURV"

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
            answers JSON NOT NULL DEFAULT '{}',
            step_history JSON NOT NULL DEFAULT '[]',
            is_audio_mode BOOLEAN NOT NULL DEFAULT FALSE,
            session_data JSON NOT NULL DEFAULT '{}',
            last_seq BIGINT NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
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
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            user_id TEXT NOT NULL REFERENCES sessions (user_id) ON DELETE CASCADE,
            action TEXT NOT NULL,
            step TEXT,
            answer JSON,
            seq BIGINT,
            timestamp TEXT NOT NULL
        )
        """,
        "CREATE INDEX session_history_by_user ON session_history (user_id, id)",
    ),
    (
        # NULL: the survey's first language.
        "ALTER TABLE sessions ADD COLUMN language TEXT",
        # TRUE while a session created by invitation has never been opened.
        "ALTER TABLE sessions ADD COLUMN invited BOOLEAN NOT NULL DEFAULT FALSE",
        # Text comparisons in byte order, as SQLite's: pages and cursors agree on both stores.
        (
            "CREATE INDEX sessions_by_survey_created ON sessions "
            '(survey_id, created_at COLLATE "C", user_id COLLATE "C")'
        ),
        "CREATE INDEX sessions_by_activity ON sessions (updated_at)",
        """
        CREATE TABLE admin_log (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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

CREATE_VERSIONS = """
    CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )
"""


async def schema_version(conn: asyncpg.Connection) -> int:
    version: int | None = await conn.fetchval("SELECT max(version) FROM schema_migrations")
    return version or 0


async def migrate(conn: asyncpg.Connection) -> int:
    """Bring the database to SCHEMA_VERSION; exactly once when many processes start at once.

    The advisory lock is held for the transaction: a second process waits for it, then
    reads the version the first one committed and finds nothing left to do.
    """
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
        await conn.execute(CREATE_VERSIONS)
        current = await schema_version(conn)
        if current > SCHEMA_VERSION:
            raise SchemaTooNew(
                f"the database is at schema version {current}, newer than this server's "
                f"{SCHEMA_VERSION}: run a newer server, or restore a backup"
            )
        for version in range(current, SCHEMA_VERSION):
            for statement in MIGRATIONS[version]:
                await conn.execute(statement)
            await conn.execute("INSERT INTO schema_migrations (version) VALUES ($1)", version + 1)
            logger.info("migrated the database to schema version %d", version + 1)
    return SCHEMA_VERSION
