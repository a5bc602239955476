"""Timestamps as PROTOCOL.md wants them: ISO 8601 in UTC, to the millisecond."""

import time

# The text up to the seconds changes once a second, and every durable write stamps the
# time: format it once per second (a third of datetime's cost). Read and replaced as one
# tuple, so the event loop and the writer thread can share it without a lock.
_second: tuple[int, str] = (-1, "")


def utc_now() -> str:
    """'2026-12-04T21:24:22.123Z'."""
    global _second
    now = time.time()
    second = int(now)
    cached = _second
    if cached[0] != second:
        cached = _second = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
    return f"{cached[1]}.{int((now - second) * 1000):03d}Z"
