"""What every operator's command shares: --db and --surveys like `serve`, one-line errors."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from ..settings import (
    OPTIONS,
    Settings,
    SettingsError,
    describe_db,
    is_postgres_url,
    load_settings,
)
from ..store import DatabaseDamaged, SchemaTooNew, SessionStore, StorageUnavailable
from ..survey import SurveyCatalog, SurveyFileError, load_catalog

logger = logging.getLogger("server")

EXIT_FAILED = 1
EXIT_CONFIG = 2

# The settings an operator's command reads: where the data and the surveys are.
STORE_OPTIONS = ("db", "surveys", "session_ttl")


class CommandError(Exception):
    """A failure reported as one line, with a non-zero exit code."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


# Unlike serve, an operator's command never creates a database: a typo must not look empty.
COMMAND_HELP = {"db": "the database file, which must exist (default ./survey_sessions.db)"}


def add_store_options(parser: argparse.ArgumentParser) -> None:
    for option in OPTIONS:
        if option.name in STORE_OPTIONS and option.flag is not None:
            text = COMMAND_HELP.get(option.name, option.help)
            parser.add_argument(option.flag, dest=option.name, metavar=option.metavar,
                                help=f"{text} [{option.env}]")


def command_settings(args: argparse.Namespace) -> Settings:
    given = {name: getattr(args, name, None) for name in STORE_OPTIONS}
    environ = {o.env: os.environ[o.env] for o in OPTIONS
               if o.name in STORE_OPTIONS and o.env in os.environ}
    try:
        return load_settings(given, environ)
    except SettingsError as exc:
        raise CommandError(f"bad setting {exc}", EXIT_CONFIG) from None


def command_catalog(settings: Settings) -> SurveyCatalog:
    try:
        return load_catalog(settings.surveys)
    except SurveyFileError as exc:
        raise CommandError(f"survey file error: {exc}", EXIT_CONFIG) from None


@dataclass(frozen=True)
class Context:
    settings: Settings
    catalog: SurveyCatalog
    store: SessionStore


@contextlib.asynccontextmanager
async def opened(args: argparse.Namespace) -> AsyncIterator[Context]:
    """The settings, the surveys and the open store; safe beside a running server (WAL)."""
    settings = command_settings(args)
    catalog = command_catalog(settings)
    where = describe_db(settings.db)
    if not is_postgres_url(settings.db) and not Path(settings.db).is_file():
        raise CommandError(f"there is no database at {settings.db} (give --db or SURVEY_DB)")
    from ..runner import make_store

    store = make_store(settings)
    try:
        await store.open()
    except (SchemaTooNew, DatabaseDamaged) as exc:
        raise CommandError(f"cannot open {where}: {exc}", EXIT_CONFIG) from None
    except (StorageUnavailable, OSError) as exc:
        raise CommandError(f"cannot open the database {where}: {exc}") from None
    try:
        yield Context(settings, catalog, store)
    finally:
        await store.close()
