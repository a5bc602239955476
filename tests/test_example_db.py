"""The shipped survey_sessions.db.example opens, is current, and serves its sessions."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import httpx

from server.store.sqlite_schema import SCHEMA_VERSION
from tests.support import PROJECT_ROOT, running_server, settings_for

EXAMPLE = PROJECT_ROOT / "survey_sessions.db.example"
ADMIN_KEY = "example-admin-key-0123"


async def test_the_example_database_is_current_and_served(tmp_path: Path) -> None:
    db = tmp_path / "copy.db"
    shutil.copy(EXAMPLE, db)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    ids = [r[0] for r in conn.execute("SELECT user_id FROM sessions ORDER BY user_id")]
    conn.close()
    assert ids == ["example-audio", "example-complete", "example-partway"]
    async with running_server(settings_for(tmp_path, db=db, admin_key=ADMIN_KEY)) as server:
        async with httpx.AsyncClient(base_url=server.url) as http:
            sessions = {}
            for user_id in ids:
                response = await http.get(f"/api/session/{user_id}",
                                          headers={"Authorization": f"Bearer {ADMIN_KEY}"})
                assert response.status_code == 200
                sessions[user_id] = response.json()["session"]
            own = await http.get("/api/session/example-partway",
                                 headers={"Authorization": "Bearer example-token-partway"})
            assert own.status_code == 200
    assert sessions["example-complete"]["completed"] is True
    assert sessions["example-partway"]["current_step"] == "satisfaction"
    assert sessions["example-partway"]["completed"] is False
    assert sessions["example-audio"]["is_audio_mode"] is True
