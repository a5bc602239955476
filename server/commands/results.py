"""`export` and `stats`: the results out on the command line, exactly as over HTTP."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from ..operators.api import expired_before, export_stream
from ..operators.figures import figures_body, step_kinds
from ..store import STATUSES, Status, StorageUnavailable
from ..survey import Survey
from .common import CommandError, Context, add_store_options, opened


def register(commands: Any) -> None:
    export = commands.add_parser("export", help="write a survey's responses as CSV or JSONL")
    export.add_argument("survey", metavar="SURVEY")
    export.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    export.add_argument("--status", choices=("completed", "all"), default="completed")
    export.add_argument("--excel", action="store_true", help="start with a UTF-8 byte-order mark")
    export.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    add_store_options(export)
    export.set_defaults(run=lambda args: asyncio.run(_export(args)))

    stats = commands.add_parser("stats", help="print a survey's figures as JSON")
    stats.add_argument("survey", metavar="SURVEY")
    add_store_options(stats)
    stats.set_defaults(run=lambda args: asyncio.run(_stats(args)))


def _survey(context: Context, survey_id: str) -> Survey:
    survey = context.catalog.surveys.get(survey_id)
    if survey is None:
        known = ", ".join(sorted(context.catalog.surveys))
        raise CommandError(f"there is no survey '{survey_id}' (surveys: {known})")
    return survey


async def _write_export(context: Context, args: argparse.Namespace, out: TextIO) -> int:
    survey = _survey(context, args.survey)
    statuses: list[Status] = list(STATUSES) if args.status == "all" else ["completed"]
    tally = [0]
    lines = export_stream(context.store, survey, statuses, args.format, args.excel,
                          expired_before(context.settings), tally)
    async for text in lines:
        out.write(text)
    await context.store.log_admin(f"export_{args.format}", survey.id, None, tally[0])
    return tally[0]


async def _export(args: argparse.Namespace) -> int:
    async with opened(args) as context:
        try:
            if args.out is None:
                # Bytes as HTTP sends them: no newline translation of the CRLF line ends.
                with open(sys.stdout.fileno(), "w", encoding="utf-8", newline="",
                          closefd=False) as out:
                    await _write_export(context, args, out)
                return 0
            path = Path(args.out)
            partial = path.with_name(path.name + ".partial")
            try:
                with partial.open("w", encoding="utf-8", newline="") as out:
                    await _write_export(context, args, out)
                partial.replace(path)  # never a half-written file under the real name
            except OSError as exc:
                partial.unlink(missing_ok=True)
                raise CommandError(f"cannot write {args.out}: {exc.strerror}") from None
        except StorageUnavailable as exc:
            raise CommandError(f"the database failed: {exc}") from None
    return 0


async def _stats(args: argparse.Namespace) -> int:
    async with opened(args) as context:
        survey = _survey(context, args.survey)
        try:
            raw = await context.store.results.figures(
                survey.id, step_kinds(survey), expired_before(context.settings))
        except StorageUnavailable as exc:
            raise CommandError(f"the database failed: {exc}") from None
    sys.stdout.write(json.dumps(figures_body(survey, raw), indent=2, ensure_ascii=False) + "\n")
    return 0
