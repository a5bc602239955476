"""Helpers for the access and data-lifetime tests: small surveys with access fields."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from websockets.exceptions import ConnectionClosed

from tests.support import Client

LINK_SECRET = "link-secret-for-the-tests-0123456789"


def small_survey(survey_id: str = "study", **fields: Any) -> dict[str, Any]:
    return {
        "id": survey_id, "title": "A small study", "version": 1, "default": True,
        "steps": [
            {"id": "colour", "type": "single_choice", "prompt": "Favourite colour?",
             "options": ["Red", "Blue"]},
            {"id": "why", "type": "text", "prompt": "Why?", "required": False},
            {"id": "END", "type": "end", "prompt": "Thank you!"},
        ],
        **fields,
    }


def surveys_dir(tmp_path: Path, *surveys: dict[str, Any]) -> Path:
    directory = tmp_path / "surveys"
    directory.mkdir(parents=True, exist_ok=True)
    for survey in surveys:
        (directory / f"{survey['id']}.json").write_text(json.dumps(survey))
    return directory


async def refused(ws_url: str, **hello: Any) -> tuple[dict[str, Any], int | None]:
    """Send a hello that should be refused: (the error, the close code)."""
    client = await Client.connect(ws_url)
    try:
        reply = await client.request({"type": "hello", "protocol": 1, **hello})
        code = await client.close_code()
    except ConnectionClosed:
        raise AssertionError("closed without an error message") from None
    return reply, code
