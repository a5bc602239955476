"""The real nginx (Debian's package) in front of a test server, run as a child process."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import shutil
import socket
from asyncio.subprocess import Process
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support import PROJECT_ROOT, wait_until

NGINX = os.environ.get("SURVEY_NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"
SNIPPET = PROJECT_ROOT / "deploy" / "nginx" / "survey-proxy.conf"

# The site file README shows, with the listen address and upstream port filled in.
SITE = """
worker_processes 1;
{user}
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{ worker_connections 256; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    upstream survey_server {{ server 127.0.0.1:{upstream}; }}
    server {{
        listen 127.0.0.1:{port};
        include {snippet};
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def nginx_or_skip() -> str:
    if not os.access(NGINX, os.X_OK):
        pytest.skip(f"nginx is not installed at {NGINX} (make test installs nginx-light)")
    return NGINX


def _started(process: Process, port: int) -> bool:
    """Exited (and so failed), or accepting connections."""
    if process.returncode is not None:
        return True
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


async def _start_nginx(binary: str, prefix: Path, upstream_url: str) -> tuple[Process, int]:
    """Start nginx on a free port; a port taken in between is tried again with another."""
    for _ in range(3):
        port = free_port()
        config = prefix / "nginx.conf"
        config.write_text(SITE.format(
            # As root, nginx's workers would otherwise run as nobody, who cannot enter tmp_path.
            user="user root;" if os.geteuid() == 0 else "",
            prefix=prefix, port=port, upstream=upstream_url.rsplit(":", 1)[1], snippet=SNIPPET,
        ))
        process = await asyncio.create_subprocess_exec(
            binary, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(config),
            "-g", "daemon off;",
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        await wait_until(functools.partial(_started, process, port))
        if process.returncode is None:
            return process, port
        log = (prefix / "error.log").read_text()
        if "Address already in use" not in log:
            raise AssertionError(f"nginx did not start:\n{log}")
    raise AssertionError("nginx found no free port")


@contextlib.asynccontextmanager
async def nginx_in_front(tmp_path: Path, upstream_url: str) -> AsyncIterator[str]:
    """Run nginx (not daemonized) proxying to `upstream_url`; yield its http:// URL."""
    binary = nginx_or_skip()
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    process, port = await _start_nginx(binary, prefix, upstream_url)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        if process.returncode is None:
            process.terminate()  # SIGTERM: nginx's fast shutdown
        await process.wait()
