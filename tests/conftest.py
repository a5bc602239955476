from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser

from tests.browser import chromium
from tests.postgres_support import (
    PostgresServer,
    empty_tables,
    fresh_database,
    locate_postgres,
    stop_cluster,
)
from tests.support import RunningServer, running_server, settings_for


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole run: given, found locally, or started here."""
    server = locate_postgres(os.environ)
    try:
        yield server
    finally:
        stop_cluster(server)


@pytest.fixture(scope="session")
def postgres_run_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A database of this test run's own, dropped at its end."""
    with fresh_database(postgres_server) as url:
        yield url


@pytest.fixture
async def postgres_url(postgres_run_url: str) -> str:
    """The run's database, emptied for this test."""
    await empty_tables(postgres_run_url)
    return postgres_run_url


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Each test using this runs on both stores: a SQLite file, then a PostgreSQL URL."""
    if request.param == "sqlite":
        return tmp_path / "sessions.db"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def on_both_stores(database: Path | str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Admin servers of the operators' tests run on this test's store (both, in turn)."""
    from tests import operators_support

    monkeypatch.setattr(operators_support, "STORE_DB", database)


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[RunningServer]:
    async with running_server(settings_for(tmp_path)) as running:
        yield running


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Chromium for the browser tests (Debian's, or SURVEY_CHROMIUM), closed after."""
    async with chromium() as launched:
        yield launched
