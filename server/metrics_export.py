"""Prometheus metrics: a collector reading the server's counters at scrape time.

Served at /metrics to the admin key (as a Bearer token), and, with --metrics-port, on a
separate port bound to 127.0.0.1 without a key, for a scraper on the same host.
"""

from __future__ import annotations

import logging
import os
from bisect import bisect_left
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response

from .histogram import Histogram
from .metrics import BATCH_BUCKETS

if TYPE_CHECKING:
    from .gateway.service import Gateway
    from .store import SessionStore

logger = logging.getLogger(__name__)


def _histogram(name: str, documentation: str, histogram: Histogram) -> HistogramMetricFamily:
    return HistogramMetricFamily(
        name, documentation, buckets=histogram.cumulative(), sum_value=histogram.total
    )


def _file_size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


class ServerCollector(Collector):
    def __init__(self, gateway: Gateway, store: SessionStore, db: Path) -> None:
        self.gateway = gateway
        self.store = store
        self.db = db

    def collect(self) -> Iterator[Metric]:
        metrics = self.gateway.metrics
        stats = self.store.stats
        yield _histogram(
            "survey_ack_latency_seconds",
            "From a message's arrival to its ack (the commit included)", metrics.ack_latency,
        )
        yield _histogram(
            "survey_commit_duration_seconds",
            "From BEGIN (lock wait included) to COMMIT of each successful batch",
            stats.commit_seconds,
        )
        writes = Histogram(tuple(float(b) for b in BATCH_BUCKETS))
        batch_sizes = dict(stats.batch_sizes)  # a copy: the writer thread adds to it
        for size, commits in batch_sizes.items():
            writes.counts[bisect_left(writes.bounds, size)] += commits
            writes.total += size * commits
        yield _histogram("survey_writes_per_commit", "Writes grouped into one commit", writes)

        messages = CounterMetricFamily(
            "survey_messages", "Client messages received, by type", labels=["type"]
        )
        for kind, count in list(metrics.messages.items()):
            messages.add_metric([kind], count)
        yield messages
        errors = CounterMetricFamily(
            "survey_errors", "Error messages sent to clients, by code", labels=["code"]
        )
        for code, count in list(metrics.errors.items()):
            errors.add_metric([code], count)
        yield errors
        sessions = CounterMetricFamily(
            "survey_sessions", "Sessions by what happened to them", labels=["event"]
        )
        sessions.add_metric(["created"], metrics.sessions_created)
        sessions.add_metric(["resumed"], metrics.sessions_resumed)
        sessions.add_metric(["completed"], metrics.sessions_completed)
        sessions.add_metric(["superseded"], metrics.sessions_superseded)
        yield sessions
        yield CounterMetricFamily(
            "survey_write_retries", "Writes tried again after a failure", value=stats.retries
        )

        counts = self.gateway.counts()
        yield GaugeMetricFamily(
            "survey_open_connections", "Open WebSocket connections", value=counts["connections"]
        )
        yield GaugeMetricFamily(
            "survey_open_sessions", "Connections past hello", value=counts["sessions"]
        )
        yield GaugeMetricFamily(
            "survey_pending_writes", "Writes waiting for the database",
            value=getattr(self.store, "pending_writes", 0),
        )
        yield GaugeMetricFamily(
            "survey_database_bytes", "Size of the database file", value=_file_size(self.db)
        )
        yield GaugeMetricFamily(
            "survey_wal_bytes", "Size of the write-ahead log",
            value=_file_size(self.db.with_name(self.db.name + "-wal")),
        )


def make_registry(gateway: Gateway, store: SessionStore, db: Path) -> CollectorRegistry:
    # A registry of its own, not the process-wide default: several apps may share a
    # process (tests), and the default's process and GC collectors are not wanted here.
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ServerCollector(gateway, store, db))
    return registry


def exposition(registry: CollectorRegistry) -> Response:
    return Response(
        generate_latest(registry), media_type=CONTENT_TYPE_PLAIN_0_0_4,
        headers={"Cache-Control": "no-store"},
    )


def serve_on_port(registry: CollectorRegistry, port: int) -> tuple[WSGIServer, int]:
    """The metrics on 127.0.0.1:port (0: a free one), in a thread; returns (server, port)."""
    server, _thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    bound: int = server.server_port
    logger.info("metrics on http://127.0.0.1:%d/metrics", bound)
    return server, bound


async def metrics_endpoint(request: Request) -> Response:
    from .api import admin_only

    admin_only(request)
    registry: CollectorRegistry = request.app.state.metrics_registry
    return exposition(registry)
