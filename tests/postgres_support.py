"""A real PostgreSQL for the tests, on any machine.

Where it comes from, in order: SURVEY_TEST_POSTGRES (a URL whose user may create
databases); else a server answering on 127.0.0.1:5432 (user postgres, trust auth);
else a throwaway cluster started from the installed binaries (initdb, pg_ctl) in a
temporary folder, stopped at the end. Either way the run gets a fresh database of its
own, dropped after.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

LOCAL = "127.0.0.1:5432"
TABLES = ("admin_log", "session_history", "sessions")


@dataclass
class PostgresServer:
    admin_url: str  # a database to connect to while creating and dropping others
    origin: str  # "env", "local" or "throwaway"
    cluster: Path | None = None

    def url_for(self, database: str) -> str:
        parts = urlsplit(self.admin_url)
        return urlunsplit(parts._replace(path="/" + database))

    def port(self) -> int:
        return urlsplit(self.admin_url).port or 5432


def answers(url: str, timeout: float = 3.0) -> bool:
    async def probe() -> bool:
        try:
            conn = await asyncpg.connect(url, timeout=timeout)
        except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            return False
        await conn.close()
        return True

    return asyncio.run(probe())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def postgres_binaries() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian's layout, then PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _as_cluster_user(command: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root: run them as the postgres account.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def start_throwaway_cluster() -> PostgresServer:
    binaries = postgres_binaries()
    if binaries is None:
        raise RuntimeError(
            "no PostgreSQL found: install it (apt-get install postgresql, or `make test`) "
            "or set SURVEY_TEST_POSTGRES=postgresql://user@host/db"
        )
    folder = Path(tempfile.mkdtemp(prefix="survey-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data = folder / "data"
    port = free_port()
    subprocess.run(
        _as_cluster_user([str(binaries / "initdb"), "-D", str(data), "-U", "postgres",
                          "--auth=trust", "-E", "UTF8", "--no-sync"]),
        check=True, capture_output=True,
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=on"
    subprocess.run(
        _as_cluster_user([str(binaries / "pg_ctl"), "-D", str(data), "-o", options,
                          "-l", str(folder / "log"), "-w", "start"]),
        check=True, capture_output=True,
    )
    return PostgresServer(f"postgresql://postgres@127.0.0.1:{port}/postgres", "throwaway", data)


def pg_ctl(server: PostgresServer, *args: str) -> None:
    """Run pg_ctl on a throwaway cluster; the server's log goes to its file, never our pipes."""
    binaries = postgres_binaries()
    assert binaries is not None and server.cluster is not None
    log = server.cluster.parent / "log"
    subprocess.run(
        _as_cluster_user([str(binaries / "pg_ctl"), "-D", str(server.cluster), "-l", str(log),
                          *args]),
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120,
    )


def stop_cluster(server: PostgresServer) -> None:
    if server.cluster is None:
        return
    with contextlib.suppress(subprocess.CalledProcessError):
        pg_ctl(server, "-m", "immediate", "-w", "stop")
    shutil.rmtree(server.cluster.parent, ignore_errors=True)


def locate_postgres(environ: dict[str, str] | os._Environ[str], local: str = LOCAL) -> PostgresServer:
    given = environ.get("SURVEY_TEST_POSTGRES")
    if given:
        return PostgresServer(given, "env")
    url = f"postgresql://postgres@{local}/postgres"
    if answers(url):
        return PostgresServer(url, "local")
    return start_throwaway_cluster()


async def _admin(server: PostgresServer, statement: str) -> None:
    conn = await asyncpg.connect(server.admin_url, timeout=10)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def create_database(server: PostgresServer, prefix: str = "survey_test") -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(server, f'CREATE DATABASE "{name}"'))
    return name


def drop_database(server: PostgresServer, name: str) -> None:
    asyncio.run(_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextlib.contextmanager
def fresh_database(server: PostgresServer) -> Iterator[str]:
    """A fresh database's URL, dropped after."""
    name = create_database(server)
    try:
        yield server.url_for(name)
    finally:
        drop_database(server, name)


async def empty_tables(url: str) -> None:
    """Every table emptied (if the schema exists yet): each test starts from nothing."""
    conn = await asyncpg.connect(url, timeout=10)
    try:
        present = await conn.fetchval(
            "SELECT count(*) FROM pg_tables WHERE tablename = 'sessions' AND schemaname = "
            "current_schema()"
        )
        if present:
            await conn.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()
