"""The store contract for invitations, erasure, retention, backup and the history cap.

Written against SessionStore only (the `store` fixture is the one place that names
SQLite), so the same tests can run on another backend.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from server.durations import timestamp_before
from server.store import (
    HistoryEntry,
    SessionNotFound,
    SessionRecord,
    SessionsExist,
    SessionStore,
    SQLiteStore,
)


def record(user_id: str, **changes: object) -> SessionRecord:
    base = SessionRecord(
        user_id=user_id, survey_id="s", survey_version=1, current_step="S1", answers={},
        step_history=[], is_audio_mode=False, session_data={"drafts": {}}, last_seq=0,
        completed=False,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SessionStore]:
    opened = SQLiteStore(tmp_path / "contract.db", max_history_rows=10)
    await opened.open()
    try:
        yield opened
    finally:
        await opened.close()


async def test_invitations_are_all_or_nothing(store: SessionStore) -> None:
    await store.create(record("taken"), "h", "o", [HistoryEntry("created", "S1")])
    with pytest.raises(SessionsExist) as caught:
        await store.invite("s", [(record("a", invited=True), "ha"),
                                 (record("taken", invited=True), "hx")])
    assert caught.value.user_ids == ["taken"]
    assert await store.load("a") is None
    await store.invite("s", [(record("a", invited=True), "ha"), (record("b", invited=True), "hb")])
    stored = await store.load("a")
    assert stored is not None and stored.record.invited and stored.token_hash == "ha"
    assert stored.owner is None
    assert [r.action for r in await store.history("a")] == ["invited"]
    claimed = await store.claim("a", "ha", "owner")
    assert not claimed.invited


async def test_erase_removes_sessions_and_history_and_fences_their_writer(
    store: SessionStore,
) -> None:
    for user_id in ("a", "b"):
        await store.create(record(user_id), "h", "owner-" + user_id, [HistoryEntry("created")])
    erased = await store.erase(["a", "missing", "a"])
    assert [(e.user_id, e.survey_id) for e in erased] == [("a", "s")]
    assert await store.load("a") is None and await store.history("a") == []
    assert await store.load("b") is not None
    with pytest.raises(SessionNotFound):
        await store.save(record("a", last_seq=1), "owner-a", 0, [HistoryEntry("answer", "S1")])
    assert await store.history("a") == []


async def test_purge_lists_then_deletes_only_idle_sessions(store: SessionStore) -> None:
    await store.create(record("old"), "h", "o", [HistoryEntry("created")])
    cut_before_new = timestamp_before(-1)  # a moment after "old" was written
    assert [p.user_id for p in await store.purge(timestamp_before(3600))] == []
    listed = await store.purge(cut_before_new, dry_run=True)
    assert [p.user_id for p in listed] == ["old"]
    assert await store.load("old") is not None
    removed = await store.purge(cut_before_new)
    assert [p.user_id for p in removed] == ["old"]
    assert await store.load("old") is None and await store.history("old") == []


async def test_a_backup_is_a_whole_copy(store: SessionStore, tmp_path: Path) -> None:
    await store.create(record("a"), "h", "o", [HistoryEntry("created")])
    await store.backup(tmp_path / "copy.db")
    copy = SQLiteStore(tmp_path / "copy.db")
    await copy.open()
    try:
        stored = await copy.load("a")
        assert stored is not None and stored.token_hash == "h"
    finally:
        await copy.close()


async def test_rejections_past_the_history_cap_leave_one_note(store: SessionStore) -> None:
    await store.create(record("a"), "h", "o", [HistoryEntry("created")])
    for seq in range(1, 21):
        await store.save(record("a", last_seq=seq), "o", seq - 1,
                         [HistoryEntry("rejected", "S1", {"code": "wrong_step"}, seq)])
    await store.save(record("a", last_seq=21), "o", 20, [HistoryEntry("answer", "S1", 1, 21)])
    actions = [r.action for r in await store.history("a")]
    assert actions == ["created"] + ["rejected"] * 9 + ["history_capped", "answer"]
