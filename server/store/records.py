"""What the store keeps, in plain data: no SQL and no protocol here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One row of the audit trail in `session_history`."""

    action: str
    step: str | None = None
    answer: Any = None
    seq: int | None = None


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A row of `sessions` as the application sees it (the token hash and owner aside)."""

    user_id: str
    survey_id: str
    survey_version: int
    current_step: str
    answers: dict[str, Any]
    step_history: list[str]
    is_audio_mode: bool
    session_data: dict[str, Any]
    last_seq: int
    completed: bool
    created_at: str = ""
    updated_at: str = ""
    completed_at: str | None = None
    # None: the survey's first language.
    language: str | None = None
    # Created by invitation and never opened yet.
    invited: bool = False
