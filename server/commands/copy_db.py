"""`copy-db`: every session, history row and audit row from a SQLite file into PostgreSQL.

For a team that outgrows one machine: stop the server, copy, start the servers on the
PostgreSQL URL. The source is migrated to the current schema first (as the server
would on start), the target is created and migrated, and must hold no sessions yet.
Rows go in batches through COPY inside one transaction, history ids kept, and the copy is
checked by counting every table on both sides before it is committed.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg

from ..settings import describe_db, is_postgres_url
from ..store import PostgresStore, SchemaTooNew, SQLiteStore, StorageUnavailable
from .common import EXIT_CONFIG, CommandError

BATCH = 5000
# table -> columns, in the order both schemas share; booleans are 0/1 on SQLite.
TABLES: dict[str, tuple[str, ...]] = {
    "sessions": (
        "user_id", "survey_id", "survey_version", "current_step", "answers", "step_history",
        "is_audio_mode", "session_data", "last_seq", "token_hash", "owner", "created_at",
        "updated_at", "completed_at", "language", "invited",
    ),
    "session_history": ("id", "user_id", "action", "step", "answer", "seq", "timestamp"),
    "admin_log": ("id", "at", "action", "survey_id", "user_id", "rows"),
}
BOOLEANS = {"is_audio_mode", "invited"}
# Ownership does not survive a copy: no connection of the old server is alive.
CLEARED = {"owner"}


def register(commands: Any) -> None:
    copy = commands.add_parser(
        "copy-db", help="copy every session from a SQLite file into PostgreSQL",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    copy.add_argument("--from", dest="source", required=True, metavar="FILE",
                      help="the SQLite database file (as served with --db FILE)")
    copy.add_argument("--to", dest="target", required=True, metavar="URL",
                      help="postgresql://user:password@host/dbname")
    copy.set_defaults(run=lambda args: asyncio.run(copy_db(Path(args.source), args.target)))


def _rows(conn: sqlite3.Connection, table: str) -> Iterator[list[tuple[Any, ...]]]:
    columns = TABLES[table]
    cursor = conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY rowid")
    while batch := cursor.fetchmany(BATCH):
        yield [
            tuple(None if name in CLEARED else bool(value) if name in BOOLEANS else value
                  for name, value in zip(columns, row))
            for row in batch
        ]


async def copy_db(source: Path, target: str) -> int:
    if not source.is_file():
        raise CommandError(f"there is no SQLite database at {source}", EXIT_CONFIG)
    if not is_postgres_url(target):
        raise CommandError("--to must be a postgresql:// URL", EXIT_CONFIG)
    where = describe_db(target)
    for store in (SQLiteStore(source), PostgresStore(target)):  # both at the current schema
        try:
            await store.open()
        except SchemaTooNew as exc:
            raise CommandError(f"cannot copy: {exc}", EXIT_CONFIG) from None
        except (StorageUnavailable, OSError) as exc:
            raise CommandError(f"cannot open {exc}") from None
        finally:
            await store.close()

    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        reader.execute("BEGIN")  # one snapshot of the source
        counts = {t: reader.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
        conn = await asyncpg.connect(target)
        try:
            async with conn.transaction():
                present = await conn.fetchval("SELECT count(*) FROM sessions")
                if present:
                    raise CommandError(
                        f"{where} already holds {present} sessions: copy into an empty database")
                for table, columns in TABLES.items():
                    for batch in _rows(reader, table):
                        await conn.copy_records_to_table(table, records=batch, columns=columns)
                copied = {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in TABLES}
                if copied != counts:
                    raise CommandError(f"counts differ after the copy ({copied} against "
                                       f"{counts}); nothing was committed")
                for table in ("session_history", "admin_log"):  # new ids continue after ours
                    await conn.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"GREATEST((SELECT max(id) FROM {table}), 1))")
        finally:
            await conn.close()
    finally:
        reader.close()
    summary = ", ".join(f"{n} {table} rows" for table, n in counts.items())
    sys.stdout.write(f"copied {source} to {where}: {summary} (counts checked)\n")
    return 0
