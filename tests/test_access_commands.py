"""`invite` and `link` on the command line, beside a running server."""

from __future__ import annotations

import csv
import io
import os
import stat
import subprocess
import sys
from pathlib import Path

from server.access import link_signature
from tests.lifecycle_support import LINK_SECRET, small_survey, surveys_dir
from tests.support import PROJECT_ROOT, Client, running_server, settings_for


def _command(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "server", *args], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=60, check=False,
                          env={**os.environ, **(env or {})})


async def test_invite_writes_links_that_open_their_sessions(tmp_path: Path) -> None:
    directory = surveys_dir(tmp_path, small_survey(access="invited"))
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text("P-1\nP-2\n\n")
    out = tmp_path / "links.csv"
    settings = settings_for(tmp_path, surveys=directory)
    async with running_server(settings) as server:
        where = ("--db", str(settings.db), "--surveys", str(directory))
        made = _command("invite", "study", "--ids", str(ids_file), "--base-url",
                        "https://survey.example.org/", "--out", str(out), *where)
        counted = _command("invite", "study", "--count", "2", *where)
        again = _command("invite", "study", "--ids", str(ids_file), *where)
        unknown = _command("invite", "nope", "--count", "1", *where)
        rows = list(csv.reader(io.StringIO(out.read_text(), newline="")))
        token = rows[1][1].split("&t=")[1]
        client = await Client.connect(server.ws_url)
        welcome, step = await client.hello(user_id="P-1", token=token)
        await client.close()
    assert made.returncode == 0, made.stderr
    assert rows[0] == ["user_id", "link"]
    assert [r[0] for r in rows[1:]] == ["P-1", "P-2"]
    assert rows[1][1].startswith("https://survey.example.org/s/study#u=P-1&t=")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert len(counted.stdout.strip().splitlines()) == 3
    assert counted.stdout.splitlines()[1].split(",")[1].startswith("/s/study#u=")
    assert again.returncode == 1 and "2 id(s) exist already, nothing was created: P-1, P-2" \
        in again.stderr
    assert unknown.returncode == 1 and "there is no survey 'nope'" in unknown.stderr
    assert welcome["user_id"] == "P-1" and step["step"]["id"] == "colour"


def test_link_prints_signed_links(tmp_path: Path) -> None:
    directory = surveys_dir(tmp_path, small_survey(access="link"))
    where = ("--surveys", str(directory))
    result = _command("link", "study", "P-1", "P:2", "--base-url", "https://x.example",
                      *where, env={"SURVEY_LINK_SECRET": LINK_SECRET})
    missing = _command("link", "study", "P-1", *where, env={"SURVEY_LINK_SECRET": ""})
    bad_id = _command("link", "study", "not ok", *where, env={"SURVEY_LINK_SECRET": LINK_SECRET})
    assert result.returncode == 0, result.stderr
    sig1 = link_signature(LINK_SECRET, "study", "P-1")
    sig2 = link_signature(LINK_SECRET, "study", "P:2")
    assert result.stdout.splitlines() == [
        f"https://x.example/s/study?user_id=P-1&sig={sig1}",
        f"https://x.example/s/study?user_id=P%3A2&sig={sig2}",
    ]
    assert missing.returncode == 1 and "SURVEY_LINK_SECRET is not set" in missing.stderr
    assert bad_id.returncode == 1 and "'not ok' is not a user id" in bad_id.stderr
