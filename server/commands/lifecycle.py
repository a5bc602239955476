"""`erase`, `purge` and `backup`: how long the data lives, from the command line."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from ..durations import parse_duration, timestamp_before
from ..protocol import USER_ID_PATTERN
from ..store import StorageUnavailable
from .common import CommandError, add_store_options, opened


def register(commands: Any) -> None:
    erase = commands.add_parser(
        "erase", help="erase sessions and all their history (secure delete)")
    erase.add_argument("user_ids", nargs="+", metavar="USER_ID")
    add_store_options(erase)
    erase.set_defaults(run=lambda args: asyncio.run(_erase(args)))

    purge = commands.add_parser(
        "purge", help="delete sessions whose last activity is older than AGE")
    purge.add_argument("--older-than", required=True, metavar="AGE", type=_age,
                       help="like 180d, 12w or 36h")
    purge.add_argument("--dry-run", action="store_true",
                       help="only print what would be removed")
    add_store_options(purge)
    purge.set_defaults(run=lambda args: asyncio.run(_purge(args)))

    backup = commands.add_parser(
        "backup", help="write a checked copy of the database, also while serving")
    backup.add_argument("dest", metavar="DEST", help="the backup file to write")
    add_store_options(backup)
    backup.set_defaults(run=lambda args: asyncio.run(_backup(args)))


def _age(text: str) -> float:
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if seconds <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return seconds


async def _erase(args: argparse.Namespace) -> int:
    bad = [u for u in args.user_ids if not USER_ID_PATTERN.fullmatch(u)]
    async with opened(args) as context:
        try:
            erased = await context.store.erase(
                [u for u in args.user_ids if USER_ID_PATTERN.fullmatch(u)])
        except StorageUnavailable as exc:
            raise CommandError(f"the database failed: {exc}") from None
    done = {e.user_id for e in erased}
    for item in erased:
        sys.stdout.write(f"erased {item.user_id} (survey {item.survey_id})\n")
    unknown = [u for u in dict.fromkeys(args.user_ids) if u not in done]
    if unknown or bad:
        raise CommandError(f"no session with id(s): {', '.join(unknown)}"
                           + (f"; {len(done)} other(s) erased" if done else ""))
    return 0


async def _purge(args: argparse.Namespace) -> int:
    cut = timestamp_before(args.older_than)
    async with opened(args) as context:
        try:
            removed = await context.store.purge(cut, dry_run=args.dry_run)
        except StorageUnavailable as exc:
            raise CommandError(f"the database failed: {exc}") from None
    verb = "would remove" if args.dry_run else "removed"
    for item in removed:
        sys.stdout.write(f"{verb} {item.user_id} (survey {item.survey_id}, "
                         f"last active {item.updated_at})\n")
    sys.stdout.write(f"{verb} {len(removed)} session(s) last active before {cut}\n")
    return 0


async def _backup(args: argparse.Namespace) -> int:
    dest = Path(args.dest)
    if dest.is_dir():
        raise CommandError(f"{dest} is a folder: give the backup file's path")
    async with opened(args) as context:
        if dest.resolve() == context.settings.db.resolve():
            raise CommandError("the backup cannot overwrite the database itself")
        try:
            await context.store.backup(dest)
        except (OSError, StorageUnavailable, ValueError) as exc:
            raise CommandError(f"backup to {dest} failed: {exc}") from None
    sys.stdout.write(f"backed up {context.settings.db} to {dest} (integrity check ok)\n")
    return 0
