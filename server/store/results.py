"""The read side for operators: counts, pages of sessions, export rows and figures.

Everything here is computed by the database; Python only shapes the results. The
statuses of OPERATORS.md depend on the session lifetime, so each query takes
`expired_before`: sessions not completed and idle since before it are `expired`
(None: sessions never expire).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["in_progress", "completed", "invited", "expired"]
STATUSES: tuple[Status, ...] = ("in_progress", "completed", "invited", "expired")


@dataclass(frozen=True, slots=True)
class StatusCounts:
    in_progress: int = 0
    completed: int = 0
    invited: int = 0
    expired: int = 0

    @property
    def total(self) -> int:
        return self.in_progress + self.completed + self.invited + self.expired

    def as_dict(self) -> dict[str, int]:
        return {"total": self.total, "in_progress": self.in_progress,
                "completed": self.completed, "invited": self.invited, "expired": self.expired}


@dataclass(frozen=True, slots=True)
class SessionRow:
    """One session as lists and exports show it: its answers on the current path only."""

    user_id: str
    status: Status
    survey_version: int
    current_step: str
    answers: dict[str, Any]
    step_history: list[str]
    is_audio_mode: bool
    language: str | None
    created_at: str
    updated_at: str
    completed_at: str | None


def counts_by_survey(rows: Iterable[Sequence[Any]]) -> dict[str, StatusCounts]:
    """(survey_id, status, count) rows, as every store's GROUP BY gives them, by survey."""
    found: dict[str, dict[str, int]] = {}
    for survey_id, status, count in rows:
        found.setdefault(survey_id, {})[status] = count
    return {survey_id: StatusCounts(**counts) for survey_id, counts in found.items()}


# Where a page starts: after this (created_at, user_id).
PageKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class NumberSummary:
    n: int
    mean: float
    median: float
    min: float
    max: float


@dataclass(frozen=True, slots=True)
class StepKinds:
    """Which steps of the survey get which figures."""

    scalar_counted: Sequence[str] = ()  # single choice, scale, yes/no: counts by value
    multi_counted: Sequence[str] = ()  # multi choice: counts per option
    numbers: Sequence[str] = ()  # number: n, mean, median, min, max


@dataclass(frozen=True)
class RawFigures:
    counts: StatusCounts
    median_duration_seconds: float | None
    reached: dict[str, int] = field(default_factory=dict)
    answered: dict[str, int] = field(default_factory=dict)
    stopped_here: dict[str, int] = field(default_factory=dict)
    # step -> stored value as JSON text ("Car", "true", "4") -> sessions
    value_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    numbers: dict[str, NumberSummary] = field(default_factory=dict)


class ResultsReader(ABC):
    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def survey_counts(self, expired_before: str | None) -> dict[str, StatusCounts]:
        """Sessions of every survey that has any, by status."""

    @abstractmethod
    async def list_sessions(
        self, survey_id: str, statuses: Sequence[Status], limit: int, after: PageKey | None,
        expired_before: str | None,
    ) -> list[SessionRow]:
        """Up to `limit` sessions in (created_at, user_id) order, after `after`."""

    @abstractmethod
    def export_rows(
        self, survey_id: str, statuses: Sequence[Status], expired_before: str | None
    ) -> AsyncIterator[SessionRow]:
        """Every matching session in list order, read from one snapshot a batch at a time."""

    @abstractmethod
    async def figures(
        self, survey_id: str, kinds: StepKinds, expired_before: str | None
    ) -> RawFigures: ...
