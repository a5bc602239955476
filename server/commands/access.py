"""`invite` and `link`: who may take part, from the command line."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import sys
from pathlib import Path
from typing import Any

from ..access import signed_link
from ..operators.lifecycle_api import MAX_INVITATIONS, invitation_ids, invite
from ..protocol import USER_ID_PATTERN
from ..settings import OPTIONS
from ..store import SessionsExist, StorageUnavailable
from ..survey import Survey
from .common import CommandError, Context, add_store_options, command_catalog, command_settings
from .common import opened as opened_store

MAX_IDS_FILE_BYTES = 4 * 1024 * 1024


def register(commands: Any) -> None:
    invite_cmd = commands.add_parser(
        "invite", help="create invited sessions and write their links as CSV (user_id,link)")
    invite_cmd.add_argument("survey", metavar="SURVEY")
    source = invite_cmd.add_mutually_exclusive_group(required=True)
    source.add_argument("--count", type=int, metavar="N",
                        help=f"this many invitations with random ids (1 to {MAX_INVITATIONS})")
    source.add_argument("--ids", metavar="FILE", help="a file of user ids, one per line")
    invite_cmd.add_argument("--base-url", metavar="URL", default="",
                            help="start of the links, like https://survey.example.org")
    invite_cmd.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    add_store_options(invite_cmd)
    invite_cmd.set_defaults(run=lambda args: asyncio.run(_invite(args)))

    link = commands.add_parser(
        "link", help="print signed links for a survey with access: link (SURVEY_LINK_SECRET)")
    link.add_argument("survey", metavar="SURVEY")
    link.add_argument("user_ids", nargs="+", metavar="USER_ID")
    link.add_argument("--base-url", metavar="URL", default="",
                      help="start of the links, like https://survey.example.org")
    add_store_options(link)
    link.set_defaults(run=_link)


def survey_named(surveys: dict[str, Survey], survey_id: str) -> Survey:
    survey = surveys.get(survey_id)
    if survey is None:
        raise CommandError(f"there is no survey '{survey_id}' (surveys: {', '.join(sorted(surveys))})")
    return survey


def _read_ids(name: str) -> list[str]:
    path = Path(name)
    try:
        if path.stat().st_size > MAX_IDS_FILE_BYTES:
            raise CommandError(f"{name} is larger than {MAX_IDS_FILE_BYTES} bytes")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read {name}: {exc}") from None
    return [line.strip() for line in text.splitlines() if line.strip()]


def _links_csv(rows: list[tuple[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["user_id", "link"])
    writer.writerows(rows)
    return out.getvalue()


async def _create(context: Context, args: argparse.Namespace) -> str:
    survey = survey_named(context.catalog.surveys, args.survey)
    body: dict[str, Any] = ({"count": args.count} if args.count is not None
                            else {"user_ids": _read_ids(args.ids)})
    try:
        user_ids = invitation_ids(body)
        invitations = await invite(context.store, survey, user_ids, args.base_url)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    except SessionsExist as exc:
        shown = ", ".join(exc.user_ids[:10]) + (" ..." if len(exc.user_ids) > 10 else "")
        raise CommandError(f"{len(exc.user_ids)} id(s) exist already, nothing was created: "
                           f"{shown}") from None
    except StorageUnavailable as exc:
        raise CommandError(f"the database failed: {exc}") from None
    return _links_csv([(i.user_id, i.link) for i in invitations])


async def _invite(args: argparse.Namespace) -> int:
    async with opened_store(args) as context:
        text = await _create(context, args)
    if args.out is None:
        sys.stdout.write(text)
        return 0
    _write_private(args.out, text)
    return 0


def _write_private(name: str, text: str) -> None:
    # The links open sessions: readable by their owner only.
    try:
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
    except OSError as exc:
        raise CommandError(f"cannot write {name}: {exc.strerror}") from None


def _link_secret() -> str:
    option = next(o for o in OPTIONS if o.name == "link_secret")
    raw = os.environ.get(option.env)
    if not raw:
        raise CommandError(f"{option.env} is not set: it is the secret that signs links")
    try:
        secret: str = option.parse(raw)
    except ValueError as exc:
        raise CommandError(f"bad setting {option.env}: {exc}") from None
    return secret


def _link(args: argparse.Namespace) -> int:
    secret = _link_secret()
    survey = survey_named(command_catalog(command_settings(args)).surveys, args.survey)
    if survey.access != "link":
        sys.stderr.write(f"note: survey '{survey.id}' has access: {survey.access}; signed "
                         "links matter only with access: link\n")
    for user_id in args.user_ids:
        if not USER_ID_PATTERN.fullmatch(user_id):
            raise CommandError(f"'{user_id}' is not a user id (1 to 128 of A-Z a-z 0-9 _ . : -)")
    for user_id in args.user_ids:
        sys.stdout.write(signed_link(args.base_url, secret, survey.id, user_id) + "\n")
    return 0
