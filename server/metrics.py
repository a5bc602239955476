"""What the server counts as it runs, cheaply enough for the message path.

Counters are plain attributes and lists, changed only on the event loop (or, for the
commit figures, only by the writer thread): no locks and no label lookups per message.
Prometheus sees them through a collector that reads them at scrape time (metrics_export.py);
gauges (connections, pending writes, file sizes) are read only then.
"""

from __future__ import annotations

from .histogram import LATENCY_BUCKETS, Histogram
from .protocol import ErrorCode

# The writer's batches go from 1 to 512 writes.
BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 512)

MESSAGE_TYPES = (
    "hello", "answer", "voice_answer", "back", "set_audio_mode", "set_language", "draft", "ping",
    "invalid",
)


class ServerMetrics:
    """Counters of the event loop side: messages, errors, sessions, ack latency."""

    def __init__(self) -> None:
        self.messages = dict.fromkeys(MESSAGE_TYPES, 0)
        self.errors = {code.value: 0 for code in ErrorCode}
        self.sessions_created = 0
        self.sessions_resumed = 0
        self.sessions_completed = 0
        self.sessions_superseded = 0
        self.ack_latency = Histogram(LATENCY_BUCKETS)
