"""The store contract, run against both stores: a SQLite file and a real PostgreSQL.

Each test checks the database itself through a connection of its own (tests.support.query),
not through the store under test.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.settings import Settings
from server.store import (
    Fenced,
    HistoryEntry,
    RetryPolicy,
    SessionExists,
    SessionNotFound,
    SessionRecord,
    SessionStore,
    TokenMismatch,
)
from server.strict_json import dumps as to_json
from tests.support import query

FAST_RETRY = RetryPolicy(tries=3, initial=0.05, factor=2, cap=0.2)


def record(user_id: str = "u1", last_seq: int = 0, **changes: object) -> SessionRecord:
    fields: dict[str, object] = {
        "user_id": user_id, "survey_id": "s", "survey_version": 1, "current_step": "S1",
        "answers": {}, "step_history": [], "is_audio_mode": False,
        "session_data": {"drafts": {}}, "last_seq": last_seq, "completed": False,
    }
    fields.update(changes)
    return SessionRecord(**fields)  # type: ignore[arg-type]


def make(database: Path | str) -> SessionStore:
    from server.runner import make_store

    return make_store(Settings(db=database, retry=FAST_RETRY))


@pytest.fixture
async def store(database: Path | str) -> AsyncIterator[SessionStore]:
    opened = make(database)
    await opened.open()
    yield opened
    await opened.close()


async def test_a_write_is_in_the_database_when_save_returns(
    store: SessionStore, database: Path | str
) -> None:
    await store.create(record(), "hash", "conn-1", [HistoryEntry("created", "S1")])
    changed = record(last_seq=1, current_step="S2", answers={"S1": "yes"}, step_history=["S1"])
    await store.save(changed, "conn-1", 0, [HistoryEntry("answer", "S1", {"value": "yes"}, 1)])
    rows = await query(database, "SELECT current_step, answers, last_seq FROM sessions")
    assert rows == [("S2", '{"S1":"yes"}', 1)]
    history = await query(
        database, "SELECT action, step, answer, seq FROM session_history ORDER BY id")
    assert history == [("created", "S1", None, None), ("answer", "S1", '{"value":"yes"}', 1)]


async def test_a_stored_session_reads_back_as_written(store: SessionStore) -> None:
    written = record(current_step="S3", answers={"b": [1, 2], "a": {"x": None}},
                     step_history=["S1", "S2"], is_audio_mode=True,
                     session_data={"drafts": {"S3": "half"}}, language="fr")
    await store.create(written, "tok", "c", [])
    loaded = await store.load("u1")
    assert loaded is not None
    assert (loaded.token_hash, loaded.owner) == ("tok", "c")
    got = loaded.record
    assert (got.current_step, got.answers, got.step_history, got.is_audio_mode,
            got.session_data, got.language, got.invited) == (
        "S3", {"b": [1, 2], "a": {"x": None}}, ["S1", "S2"], True,
        {"drafts": {"S3": "half"}}, "fr", False)
    assert list(got.answers) == ["b", "a"]  # key order kept as written
    assert got.created_at.endswith("Z") and got.created_at == got.updated_at
    assert await store.load("ghost") is None


async def test_completed_at_is_set_once(store: SessionStore, database: Path | str) -> None:
    await store.create(record(), "h", "c", [])
    await store.save(record(last_seq=1, completed=True, current_step="END"), "c", 0, [])
    first = (await query(database, "SELECT completed_at FROM sessions"))[0][0]
    assert first is not None
    await store.save(record(last_seq=2, completed=True, current_step="END"), "c", 1, [])
    assert (await query(database, "SELECT completed_at FROM sessions"))[0][0] == first
    loaded = await store.load("u1")
    assert loaded is not None and loaded.record.completed


async def test_saves_given_the_previous_record_write_every_change(
    store: SessionStore, database: Path | str
) -> None:
    """A store may leave out columns equal to `previous`: what changed must still land."""
    columns = ("SELECT current_step, answers, step_history, is_audio_mode, session_data, "
               "last_seq, language, survey_version, completed_at IS NOT NULL, owner FROM sessions")
    first = record()
    await store.create(first, "h", "c", [])
    steps = [
        record(last_seq=1, current_step="S2", answers={"S1": True}, step_history=["S1"]),
        record(last_seq=2, current_step="S2", answers={"S1": True}, step_history=["S1"],
               is_audio_mode=True, language="fr"),
        record(last_seq=3, current_step="END", answers={"S1": True, "S2": 1},
               step_history=["S1", "S2"], is_audio_mode=True, language="fr", completed=True),
        # A new survey version reopens it (carry_over), and its drafts change.
        record(last_seq=3, current_step="S3", answers={"S1": 1}, step_history=["S1"],
               is_audio_mode=True, language="fr", survey_version=2,
               session_data={"drafts": {"S3": "x"}}),
    ]
    previous = first
    for number, changed in enumerate(steps):
        await store.save(changed, "c", previous.last_seq, [], previous=previous)
        assert await query(database, columns) == [(
            changed.current_step, to_json(changed.answers), to_json(changed.step_history),
            int(changed.is_audio_mode) if isinstance(database, Path) else changed.is_audio_mode,
            to_json(changed.session_data), changed.last_seq, changed.language,
            changed.survey_version, changed.completed, "c",
        )], f"after save {number + 1}"
        previous = changed
    await store.save(previous, "c", previous.last_seq, [HistoryEntry("disconnected")],
                     release=True, previous=previous)
    assert await query(database, "SELECT owner, current_step FROM sessions") == [(None, "S3")]


async def test_create_refuses_an_existing_id(store: SessionStore, database: Path | str) -> None:
    await store.create(record(), "h", "c", [])
    with pytest.raises(SessionExists):
        await store.create(record(), "h2", "c2", [HistoryEntry("created")])
    assert await query(database, "SELECT count(*) FROM session_history") == [(0,)]
    assert await query(database, "SELECT token_hash, owner FROM sessions") == [("h", "c")]


async def test_claim_checks_the_token_before_changing_anything(
    store: SessionStore, database: Path | str
) -> None:
    await store.create(record(), "right", "old", [])
    with pytest.raises(TokenMismatch):
        await store.claim("u1", "wrong", "intruder")
    assert await query(database, "SELECT owner FROM sessions") == [("old",)]
    with pytest.raises(SessionNotFound):
        await store.claim("nobody", "right", "x")
    claimed = await store.claim("u1", "right", "new")
    assert claimed.user_id == "u1"
    assert await query(database, "SELECT owner FROM sessions") == [("new",)]
    actions = await query(database, "SELECT action FROM session_history ORDER BY id")
    assert actions == [("superseded",), ("resumed",)]


async def test_a_claim_opens_an_invitation(store: SessionStore) -> None:
    await store.create(record(invited=True), "t", "c", [])
    loaded = await store.load("u1")
    assert loaded is not None and loaded.record.invited
    assert not (await store.claim("u1", "t", "d")).invited


async def test_writes_are_fenced_on_the_owner(store: SessionStore, database: Path | str) -> None:
    await store.create(record(), "t", "old", [])
    await store.claim("u1", "t", "new")
    with pytest.raises(Fenced):
        await store.save(record(last_seq=1, current_step="S9"), "old", 0, [HistoryEntry("answer")])
    assert await query(database, "SELECT current_step, last_seq FROM sessions") == [("S1", 0)]
    assert ("answer",) not in await query(database, "SELECT action FROM session_history")


async def test_a_write_with_a_stale_last_seq_is_refused(
    store: SessionStore, database: Path | str
) -> None:
    await store.create(record(), "t", "c", [])
    await store.save(record(last_seq=1), "c", 0, [])
    with pytest.raises(Fenced):
        await store.save(record(last_seq=1, current_step="again"), "c", 0, [HistoryEntry("x")])
    assert await query(database, "SELECT current_step FROM sessions") == [("S1",)]
    assert await query(database, "SELECT count(*) FROM session_history") == [(0,)]


async def test_release_gives_up_ownership(store: SessionStore, database: Path | str) -> None:
    await store.create(record(), "t", "c", [])
    await store.save(record(), "c", 0, [HistoryEntry("disconnected")], release=True)
    assert await query(database, "SELECT owner FROM sessions") == [(None,)]
    # A later claim records no "superseded": nobody held the session.
    await store.claim("u1", "t", "d")
    actions = await query(database, "SELECT action FROM session_history ORDER BY id")
    assert actions == [("disconnected",), ("resumed",)]


async def test_concurrent_writes_to_many_sessions_all_land(
    store: SessionStore, database: Path | str
) -> None:
    count = 40
    await asyncio.gather(*(store.create(record(f"u{i}"), "t", "c", []) for i in range(count)))
    await asyncio.gather(*(
        store.save(record(f"u{i}", last_seq=1), "c", 0,
                   [HistoryEntry("answer", "S1", {"value": i}, 1)])
        for i in range(count)
    ))
    assert await query(database, "SELECT sum(last_seq), count(*) FROM sessions") == [
        (count, count)]
    assert await query(database, "SELECT count(*) FROM session_history") == [(count,)]
    assert store.stats.writes == 2 * count


async def test_two_racing_saves_of_one_session_apply_once(
    store: SessionStore, database: Path | str
) -> None:
    await store.create(record(), "t", "c", [])
    results = await asyncio.gather(
        *(store.save(record(last_seq=1, current_step=f"S{i}"), "c", 0,
                     [HistoryEntry("answer", "S1", i, 1)]) for i in range(5)),
        return_exceptions=True,
    )
    assert sum(r is None for r in results) == 1
    assert all(isinstance(r, Fenced) for r in results if r is not None)
    assert await query(database, "SELECT count(*) FROM session_history") == [(1,)]


async def test_history_and_owners_reads(store: SessionStore) -> None:
    await store.create(record(), "t", "c", [HistoryEntry("created", "S1", {"a": [1]}),
                                            HistoryEntry("note", None, "x", 3)])
    rows = await store.history("u1")
    assert [(r.action, r.step, r.answer, r.seq) for r in rows] == [
        ("created", "S1", {"a": [1]}, None), ("note", None, "x", 3)]
    assert rows[0].timestamp.endswith("Z") and rows[0].id < rows[1].id
    assert await store.owners(["u1", "ghost"]) == {"u1": "c"}
    assert await store.owners([]) == {}
    assert await store.healthy()


async def test_many_owners_at_once(store: SessionStore) -> None:
    await asyncio.gather(*(store.create(record(f"u{i}"), "t", f"c{i}", []) for i in range(600)))
    found = await store.owners([f"u{i}" for i in range(700)])
    assert found == {f"u{i}": f"c{i}" for i in range(600)}


async def test_the_admin_log_records_reads(store: SessionStore, database: Path | str) -> None:
    await store.log_admin("export", "s", None, 12)
    await store.log_admin("read", "s", "u1", None)
    rows = await query(database, "SELECT action, survey_id, user_id, rows FROM admin_log ORDER BY id")
    assert rows == [("export", "s", None, 12), ("read", "s", "u1", None)]


async def test_two_stores_on_one_database_see_each_other(database: Path | str) -> None:
    first, second = make(database), make(database)
    await asyncio.gather(first.open(), second.open())
    try:
        await first.create(record(), "t", "c", [])
        loaded = await second.load("u1")
        assert loaded is not None and loaded.record.current_step == "S1"
        await second.claim("u1", "t", "d")
        with pytest.raises(Fenced):
            await first.save(record(last_seq=1), "c", 0, [])
    finally:
        await first.close()
        await second.close()


async def test_a_closed_store_reports_itself_unhealthy(database: Path | str) -> None:
    store = make(database)
    await store.open()
    await store.close()
    assert not await store.healthy()
