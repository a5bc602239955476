"""Command line: `python -m server serve`, `check`, and the operators' commands."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .access import AccessConfigError, check_link_secret
from .commands import access, lifecycle, results
from .commands.common import CommandError
from .logs import configure_logging
from .settings import OPTIONS, SettingsError, load_settings
from .store import DatabaseDamaged, SchemaTooNew, StorageUnavailable
from .survey import BUNDLED_DIR, SurveyFileError, load_catalog

logger = logging.getLogger("server")

EXIT_CONFIG = 2
# Modules of operators' commands (server/commands/), each registering its own subcommands.
COMMAND_MODULES = (results, access, lifecycle)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m server", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve", help="serve the surveys",
        epilog="Every option can also be set with the SURVEY_* variable shown; the option wins.",
    )
    for option in OPTIONS:
        if option.flag is not None:
            serve.add_argument(
                option.flag, dest=option.name, metavar=option.metavar,
                help=f"{option.help} [{option.env}]",
            )
    check = commands.add_parser("check", help="check survey files and exit")
    check.add_argument("surveys", nargs="?", default=None, metavar="DIR",
                       help="folder of survey files (default: $SURVEY_DIR or the bundled example)")
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if hasattr(args, "run"):
        configure_logging("warning")
        try:
            code: int = args.run(args)
        except CommandError as exc:
            logger.error("%s", exc)
            return exc.code
        return code
    if args.command == "check":
        configure_logging("info")
        directory = Path(args.surveys or os.environ.get("SURVEY_DIR") or BUNDLED_DIR)
        try:
            catalog = load_catalog(directory)
        except SurveyFileError as exc:
            logger.error("survey file error: %s", exc)
            return EXIT_CONFIG
        logger.info("%d survey(s) OK: %s", len(catalog.surveys), ", ".join(catalog.surveys))
        return 0

    try:
        settings = load_settings(vars(args), os.environ)
    except SettingsError as exc:
        configure_logging("info")
        logger.error("bad setting %s", exc)
        return EXIT_CONFIG
    configure_logging(settings.log_level, settings.log_format, settings.log_identifiers)
    try:
        catalog = load_catalog(settings.surveys)
    except SurveyFileError as exc:
        logger.error("survey file error: %s", exc)
        return EXIT_CONFIG
    try:
        check_link_secret(catalog, settings.link_secret)
    except AccessConfigError as exc:
        logger.error("%s", exc)
        return EXIT_CONFIG
    from .runner import run, serve

    try:
        run(serve(settings, catalog))
    except (SchemaTooNew, DatabaseDamaged) as exc:
        logger.error("cannot open %s: %s", settings.db, exc)
        return EXIT_CONFIG
    except (StorageUnavailable, OSError) as exc:
        logger.error("cannot open the database %s: %s", settings.db, exc)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
