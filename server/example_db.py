"""Builds survey_sessions.db.example: the current schema with a few example sessions.

Run with `make example-db`. The sessions are made by sending messages through the real
state machine and store, so the file always shows what the server itself writes.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import Any

from .session.lifecycle import new_session
from .session.machine import handle
from .session.messages import Answer, Draft, SetAudioMode
from .store import HistoryEntry, SQLiteStore
from .survey import BUNDLED_DIR, load_catalog
from .tokens import hash_token

logger = logging.getLogger(__name__)

# Known tokens, so the README can show the API working on the example file.
EXAMPLES: list[tuple[str, str, list[Any]]] = [
    ("example-complete", "example-token-complete", [
        Answer(1, "intro", None), Answer(2, "mode", "public_transport"),
        Answer(3, "transport", ["Bus", "Metro"]), Answer(4, "minutes", 35),
        Answer(5, "satisfaction", 6), Answer(6, "change", True),
        Answer(7, "change_why", "A direct bus line"),
    ]),
    ("example-partway", "example-token-partway", [
        Answer(1, "intro", None), Answer(2, "mode", "Car"), Answer(3, "minutes", 25),
        Draft("satisfaction", 4),
    ]),
    ("example-audio", "example-token-audio", [
        SetAudioMode(1, True), Answer(2, "intro", None),
    ]),
]


async def build(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    survey = load_catalog(BUNDLED_DIR).surveys["commute"]
    store = SQLiteStore(path)
    await store.open()
    try:
        for user_id, token, messages in EXAMPLES:
            owner = f"example-{user_id}"
            state = new_session(survey, user_id)
            await store.create(state.to_record(), hash_token(token), owner,
                               [HistoryEntry("created", state.current_step)])
            for message in messages:
                transition = handle(survey, state, message)
                await store.save(transition.state.to_record(), owner, state.last_seq,
                                 transition.history)
                state = transition.state
            await store.save(state.to_record(), owner, state.last_seq,
                             [HistoryEntry("disconnected", state.current_step)], release=True)
    finally:
        await store.close()
    logger.info("wrote %s with %d sessions", path, len(EXAMPLES))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    asyncio.run(build(Path(sys.argv[1] if len(sys.argv) > 1 else "survey_sessions.db.example")))
