"""The checked, immutable form of a survey file."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from .conditions import Condition

Access = Literal["open", "link", "invited"]
StepType = Literal[
    "single_choice", "multi_choice", "text", "number", "scale", "yes_no", "info", "end"
]
STEP_TYPES: tuple[StepType, ...] = (
    "single_choice", "multi_choice", "text", "number", "scale", "yes_no", "info", "end"
)
CHOICE_TYPES = ("single_choice", "multi_choice")

DEFAULT_TEXT_MAX_LENGTH = 2000


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    """One branch of a step's `next`: taken when `condition` holds (None: always)."""

    goto: str
    condition: Condition | None = None


@dataclass(frozen=True)
class Step:
    id: str
    type: StepType
    prompt: str
    required: bool = True
    options: tuple[Option, ...] = ()
    min: float | None = None
    max: float | None = None
    integer: bool = False
    min_selected: int = 0
    max_selected: int = 0
    max_length: int = DEFAULT_TEXT_MAX_LENGTH
    # Resolved at load: an omitted or plain-id `next` becomes a single unconditional rule.
    rules: tuple[Rule, ...] = ()
    # What clients see: the definition with defaults filled in, without next and aliases.
    public: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_end(self) -> bool:
        return self.type == "end"

    def option_values(self) -> tuple[str, ...]:
        return self._option_values

    @cached_property
    def _option_values(self) -> tuple[str, ...]:  # asked on every answer to a choice step
        return tuple(option.value for option in self.options)


@dataclass(frozen=True)
class Survey:
    id: str
    title: str
    version: int
    steps: dict[str, Step]
    first_step: str
    is_default: bool = False
    source: Path | None = None
    # Step ids in file order, which is the order used for "the following step".
    order: tuple[str, ...] = ()
    # Language tags, the first the default (SURVEY_FORMAT.md: `languages`).
    languages: tuple[str, ...] = ("en",)
    # The language of this object's texts; every language's Survey by its tag (this one too).
    language: str = "en"
    translations: dict[str, Survey] = field(default_factory=dict, compare=False, repr=False)
    # Who may start a session, and when (OPERATORS.md: Access, Window); times as stored, UTC.
    access: Access = "open"
    opens_at: str | None = None
    closes_at: str | None = None
    # on_complete.redirect as written, {user_id} and {survey_id} not yet filled in.
    on_complete_redirect: str | None = None

    @property
    def default_language(self) -> str:
        return self.languages[0]

    def localized(self, language: str | None) -> Survey:
        """The survey with its texts in `language` (None, or one it lacks: its first)."""
        return self.translations.get(language or self.languages[0]) or self.translations.get(
            self.languages[0], self)

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "version": self.version}
