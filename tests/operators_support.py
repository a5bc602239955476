"""Helpers for the operators' tests: an admin server, respondents driven through the protocol."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from server.settings import Settings
from tests.support import Client, settings_for

ADMIN_KEY = "operators-test-admin-key"
# The database admin servers use; the on_both_stores fixture sets it per test (None: SQLite).
STORE_DB: Path | str | None = None
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


def admin_settings(tmp_path: Path, **overrides: Any) -> Settings:
    if STORE_DB is not None:
        overrides.setdefault("db", STORE_DB)
    return settings_for(tmp_path, admin_key=ADMIN_KEY, **overrides)


async def respondent(ws_url: str, steps: list[tuple[str, Any]], **hello: Any) -> Client:
    """A respondent who answers `steps` in order; left connected.

    Besides step ids: ("<back>", None), ("<audio>", on_or_off), ("<voice>", (step, words)).
    """
    client = await Client.connect(ws_url)
    await client.hello(**hello)
    for step, value in steps:
        if step == "<back>":
            reply = await client.back()
        elif step == "<audio>":
            reply = await client.request({"type": "set_audio_mode", "seq": client.next_seq(),
                                          "enabled": value})
            assert reply["type"] == "audio_mode", reply
            continue
        elif step == "<voice>":
            reply = await client.request({"type": "voice_answer", "seq": client.next_seq(),
                                          "step": value[0], "transcript": value[1]})
        else:
            reply = await client.answer(step, value)
        assert reply["type"] in ("step", "complete"), reply
    return client


async def finished(ws_url: str, steps: list[tuple[str, Any]], **hello: Any) -> str:
    """Answer `steps`, disconnect, and return the user id."""
    client = await respondent(ws_url, steps, **hello)
    await client.close()
    assert client.user_id is not None
    return client.user_id


async def get(url: str, path: str, **kwargs: Any) -> httpx.Response:
    async with httpx.AsyncClient(base_url=url) as http:
        return await http.get(path, **kwargs)
