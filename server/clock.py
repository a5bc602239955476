"""Timestamps as PROTOCOL.md wants them: ISO 8601 in UTC."""

from datetime import UTC, datetime


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
