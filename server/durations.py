"""Lengths of time as operators write them: `90d`, `6h`, `30m`, `45s`, or plain seconds."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 7 * 86_400}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw]?)")


def parse_duration(text: str) -> float:
    """Seconds in `text`; ValueError with a message an operator can act on."""
    match = _DURATION.fullmatch(text.strip().lower())
    if match is None:
        raise ValueError(f"must be a length of time like 90d, 6h, 30m or 45s, not '{text}'")
    number, unit = match.groups()
    return float(number) * _UNITS[unit or "s"]


def timestamp_before(seconds: float, now: datetime | None = None) -> str:
    """The stored form (see clock.utc_now) of the moment `seconds` before now."""
    moment = (now or datetime.now(UTC)) - timedelta(seconds=seconds)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
