"""A session as the state machine sees it, and its mapping to the stored record."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from ..store.records import SessionRecord
from ..survey import on_path_answers

DRAFTS = "drafts"
OFF_PATH = "off_path_answers"


@dataclass(frozen=True, slots=True)
class SessionState:
    """Immutable: every transition builds a new state, so a failed commit can drop it whole."""

    user_id: str
    survey_id: str
    survey_version: int
    current_step: str
    # Every stored answer, on the path or off it (kept for a return to that branch).
    answers: Mapping[str, Any] = field(default_factory=dict)
    step_history: tuple[str, ...] = ()
    is_audio_mode: bool = False
    completed: bool = False
    drafts: Mapping[str, Any] = field(default_factory=dict)
    last_seq: int = 0
    # None: the survey's first language.
    language: str | None = None
    # session_data entries the machine carries but does not interpret (client, removed answers).
    extra: Mapping[str, Any] = field(default_factory=dict)

    def evolve(self, **changes: Any) -> SessionState:
        """A copy with `changes`: dataclasses.replace without its introspection on every
        call (it took a third of a transition's time)."""
        if not changes.keys() <= _FIELD_NAMES:
            raise TypeError(f"SessionState has no field {sorted(changes.keys() - _FIELD_NAMES)}")
        return SessionState(*[changes[name] if name in changes else getattr(self, name)
                              for name in _FIELDS])

    def path_answers(self) -> dict[str, Any]:
        return on_path_answers(self.answers, self.step_history, self.current_step)

    def to_record(self) -> SessionRecord:
        on_path = self.path_answers()
        # Off the path only after Back and a different branch: most records have none.
        off_path = ({} if len(on_path) == len(self.answers)
                    else {k: v for k, v in self.answers.items() if k not in on_path})
        session_data: dict[str, Any] = {**self.extra, DRAFTS: dict(self.drafts)}
        if off_path:
            session_data[OFF_PATH] = off_path
        return SessionRecord(
            user_id=self.user_id,
            survey_id=self.survey_id,
            survey_version=self.survey_version,
            current_step=self.current_step,
            answers=on_path,
            step_history=list(self.step_history),
            is_audio_mode=self.is_audio_mode,
            session_data=session_data,
            last_seq=self.last_seq,
            completed=self.completed,
            language=self.language,
        )

    @classmethod
    def from_record(cls, record: SessionRecord) -> SessionState:
        data = dict(record.session_data)
        drafts = data.pop(DRAFTS, {}) or {}
        off_path = data.pop(OFF_PATH, {}) or {}
        return cls(
            user_id=record.user_id,
            survey_id=record.survey_id,
            survey_version=record.survey_version,
            current_step=record.current_step,
            answers={**off_path, **record.answers},
            step_history=tuple(record.step_history),
            is_audio_mode=record.is_audio_mode,
            completed=record.completed,
            drafts=drafts,
            last_seq=record.last_seq,
            language=record.language,
            extra=data,
        )

    def public(self, default_language: str) -> dict[str, Any]:
        """The `state` object of `welcome`."""
        return {
            "current_step": self.current_step,
            "answers": self.path_answers(),
            "step_history": list(self.step_history),
            "is_audio_mode": self.is_audio_mode,
            "language": self.language or default_language,
            "completed": self.completed,
            "drafts": dict(self.drafts),
        }


_FIELDS = tuple(item.name for item in fields(SessionState))
_FIELD_NAMES = frozenset(_FIELDS)
