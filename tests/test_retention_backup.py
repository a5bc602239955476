"""Retention (hourly and `purge`), backup while serving under load, scheduled backups,
and files readable by their owner only."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import stat
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from tests.operators_support import ADMIN, admin_settings
from tests.support import PROJECT_ROOT, Client, running_server, settings_for, wait_until

LONG_AGO = "2020-01-01T00:00:00.000Z"
PATH = [("intro", None), ("mode", "Car"), ("minutes", 7), ("satisfaction", 4), ("change", False)]


def _command(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "server", *args], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


async def _sessions(ws_url: str, *user_ids: str) -> None:
    for user_id in user_ids:
        client = await Client.connect(ws_url)
        await client.hello(user_id=user_id)
        await client.answer("intro", None)
        await client.close()


def _age(db: Path, *user_ids: str) -> None:
    with sqlite3.connect(db) as conn:
        conn.executemany("UPDATE sessions SET updated_at = ? WHERE user_id = ?",
                         [(LONG_AGO, u) for u in user_ids])


def _ids(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [r[0] for r in conn.execute("SELECT user_id FROM sessions ORDER BY user_id")]


async def test_purge_lists_with_dry_run_and_removes_without(tmp_path: Path) -> None:
    async with running_server(settings_for(tmp_path)) as server:
        await _sessions(server.ws_url, "old-1", "old-2", "new-1")
        db = server.settings.db
        _age(db, "old-1", "old-2")
        dry = _command("purge", "--older-than", "180d", "--dry-run", "--db", str(db))
        after_dry = _ids(db)
        real = _command("purge", "--older-than", "180d", "--db", str(db))
        with sqlite3.connect(db) as conn:
            history = conn.execute("SELECT DISTINCT user_id FROM session_history").fetchall()
            audit = conn.execute("SELECT action, rows FROM admin_log").fetchall()
        bad = _command("purge", "--older-than", "soon", "--db", str(db))
    assert dry.returncode == 0 and real.returncode == 0
    assert "would remove old-1 (survey commute, last active 2020-01-01" in dry.stdout
    assert "would remove 2 session(s)" in dry.stdout
    assert after_dry == ["new-1", "old-1", "old-2"]
    assert "removed old-2" in real.stdout and "removed 2 session(s)" in real.stdout
    assert _ids(db) == ["new-1"] and history == [("new-1",)]
    assert audit == [("purge", 2)]
    assert bad.returncode != 0 and "like 90d" in bad.stderr


async def test_the_server_purges_past_the_retention_while_serving(tmp_path: Path) -> None:
    async with running_server(settings_for(tmp_path)) as server:
        await _sessions(server.ws_url, "old-1", "new-1")
    _age(server.settings.db, "old-1")
    settings = replace(server.settings, retention=30 * 86_400)
    async with running_server(settings) as again:
        await wait_until(lambda: again.app.state.housekeeping.purges >= 1)
        assert _ids(settings.db) == ["new-1"]


async def _keep_answering(
    ws_url: str, name: str, acked: list[tuple[str, str, Any, float]], stop: asyncio.Event
) -> None:
    """Respondent after respondent; every acknowledged answer noted with when it was acked."""
    loop = asyncio.get_running_loop()
    n = 0
    while not stop.is_set():
        n += 1
        client = await Client.connect(ws_url)
        await client.hello(user_id=f"{name}-{n}")
        for step, value in PATH:
            reply = await client.answer(step, value)
            assert reply.get("ack") == client.seq, reply
            assert client.user_id is not None
            acked.append((client.user_id, step, value, loop.time()))
            if stop.is_set():
                break
        await client.close()


async def test_a_backup_taken_under_load_restores_every_acknowledged_answer(
    tmp_path: Path,
) -> None:
    backup = tmp_path / "backup.db"
    acked: list[tuple[str, str, Any, float]] = []
    async with running_server(admin_settings(tmp_path)) as server:
        stop = asyncio.Event()
        load = [asyncio.create_task(_keep_answering(server.ws_url, f"r{i}", acked, stop))
                for i in range(4)]
        await wait_until(lambda: len(acked) >= 40)
        started = asyncio.get_running_loop().time()
        result = await asyncio.to_thread(
            _command, "backup", str(backup), "--db", str(server.settings.db))
        # The load went on while the copy was made.
        await wait_until(lambda: any(when > started for *_, when in acked))
        stop.set()
        await asyncio.gather(*load)
    assert result.returncode == 0, result.stderr
    assert "integrity check ok" in result.stdout
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    before = [(u, s, v) for u, s, v, when in acked if when <= started]
    assert len(before) >= 40

    # Restoring: stop, copy the backup over the database, start.
    restored = tmp_path / "restored"
    restored.mkdir()
    shutil.copy(backup, restored / "sessions.db")
    found: dict[str, dict[str, Any]] = {}
    async with running_server(admin_settings(restored)) as fresh, \
            httpx.AsyncClient(base_url=fresh.url, headers=ADMIN) as http:
        for user_id in sorted({u for u, _, _ in before}):
            response = await http.get(f"/api/session/{user_id}")
            assert response.status_code == 200, user_id
            found[user_id] = response.json()["session"]["answers"]
    missing = [(u, s) for u, s, v in before if s not in found[u] or found[u][s] != v]
    assert missing == []


async def test_scheduled_backups_keep_the_newest(tmp_path: Path) -> None:
    backups = tmp_path / "backups"
    backups.mkdir()
    (backups / "notes.txt").write_text("not a backup: left alone")
    settings = settings_for(tmp_path, backup_dir=backups, backup_every=0.1, backup_keep=2)
    async with running_server(settings) as server:
        await _sessions(server.ws_url, "someone")
        await wait_until(lambda: server.app.state.housekeeping.backups >= 4)
    files = sorted(p.name for p in backups.iterdir())
    assert len(files) == 3 and "notes.txt" in files
    for name in files:
        if name.endswith(".db"):
            path = backups / name
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            with sqlite3.connect(path) as conn:
                assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
                assert conn.execute("SELECT user_id FROM sessions").fetchall() == [("someone",)]


async def test_database_files_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    async with running_server(settings_for(tmp_path)) as server:
        await _sessions(server.ws_url, "someone")
        db = server.settings.db
        modes = {suffix: stat.S_IMODE(Path(f"{db}{suffix}").stat().st_mode)
                 for suffix in ("", "-wal", "-shm")}
    assert modes == {"": 0o600, "-wal": 0o600, "-shm": 0o600}
