"""The ideal durable server: only what every durable step must do, and nothing else.

Served exactly as the survey server is (same uvicorn configuration, same event loop), with
the survey server's own writer thread and group commit. A visit's first frame creates its
row; every later frame is one conditional UPDATE of a ~1 KB JSON row (owner and last_seq
in the WHERE clause, as our fencing) plus one history INSERT, and the frame is echoed back
only after the commit; the disconnect saves the row once more. That is eight writes for a
six-answer visit, as the survey server makes. The benchmark drives it with the echo
respondents' frames, so the difference to the echo is the cost of durability, and the
difference to the survey server is our own application code.
"""

from __future__ import annotations

import argparse
import json
import logging
import sqlite3
import uuid
from functools import partial
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from server.clock import utc_now
from server.logs import configure_logging
from server.runner import run
from server.settings import Settings
from server.store import WriteStats
from server.store.sqlite_writer import SQLiteWriter

from .serving import serve_on_free_port

logger = logging.getLogger("bench.ideal")

SCHEMA = (
    ("CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, owner TEXT, last_seq INTEGER, "
     "data TEXT, updated_at TEXT)"),
    ("CREATE TABLE IF NOT EXISTS history (id INTEGER PRIMARY KEY AUTOINCREMENT, session TEXT, "
     "seq INTEGER, frame TEXT, at TEXT)"),
    "CREATE INDEX IF NOT EXISTS history_by_session ON history (session, id)",
)
# What a session row holds besides the answers, so that the row is about 1 KB like ours.
PADDING = {"client": {"user_agent": "x" * 400, "languages": "en-GB,en;q=0.9"},
           "drafts": {}, "history": ["s" * 16] * 20}


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    for statement in SCHEMA:
        conn.execute(statement)
    return conn


def _create(session: str, owner: str, data: str, conn: sqlite3.Connection) -> None:
    now = utc_now()
    conn.execute("INSERT INTO sessions VALUES (?, ?, 0, ?, ?)", (session, owner, data, now))
    conn.execute("INSERT INTO history (session, seq, frame, at) VALUES (?, NULL, 'created', ?)",
                 (session, now))


def _save(session: str, owner: str, seq: int, data: str, frame: str | None,
          conn: sqlite3.Connection) -> None:
    now = utc_now()
    cursor = conn.execute(
        "UPDATE sessions SET last_seq = ?, data = ?, updated_at = ? "
        "WHERE id = ? AND owner = ? AND last_seq = ?",
        (seq, data, now, session, owner, seq - 1 if frame is not None else seq))
    if cursor.rowcount != 1:
        raise RuntimeError("fenced")
    conn.execute("INSERT INTO history (session, seq, frame, at) VALUES (?, ?, ?, ?)",
                 (session, seq, frame or "disconnected", now))


class IdealServer:
    def __init__(self, db: Path) -> None:
        self.writer = SQLiteWriter(partial(_connect, db), 10_000, WriteStats())

    async def endpoint(self, websocket: WebSocket) -> None:
        await websocket.accept()
        session, owner = uuid.uuid4().hex, uuid.uuid4().hex
        answers: dict[str, Any] = {}
        seq = 0
        try:
            first = await websocket.receive_text()
            await self.writer.submit(partial(_create, session, owner, json.dumps(PADDING)))
            await websocket.send_text(first)
            while True:
                frame = await websocket.receive_text()
                message = json.loads(frame)
                answers[str(message.get("step"))] = message.get("value")
                seq += 1
                data = json.dumps({**PADDING, "answers": answers})
                await self.writer.submit(partial(_save, session, owner, seq, data, frame))
                await websocket.send_text(frame)
        except WebSocketDisconnect:
            data = json.dumps({**PADDING, "answers": answers})
            await self.writer.submit(partial(_save, session, owner, seq, data, None))


async def serve(host: str, db: Path) -> None:
    ideal = IdealServer(db)
    ideal.writer.start()
    app = Starlette(routes=[WebSocketRoute("/ws", ideal.endpoint)])
    try:
        await serve_on_free_port(app, host, logger)
    finally:
        ideal.writer.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--db", type=Path, required=True)
    args = parser.parse_args()
    configure_logging(Settings().log_level)  # uvicorn logs each connection, as for the server
    run(serve(args.host, args.db))


if __name__ == "__main__":
    main()
