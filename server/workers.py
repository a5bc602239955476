"""`--workers N`: N server processes on one listening socket, for either store.

The parent binds the socket, then forks the workers before any event loop or thread
exists; each worker is a whole server (its own store connection, its own gateway) that
accepts from the shared socket. Nothing is shared in memory: sessions meet in the
database, where fencing keeps one owner per session (a takeover in another worker closes
the older connection with 4409; on SQLite at its next write or autosave tick).

SIGTERM or SIGINT to the parent is passed to every worker, which saves its sessions and
closes their sockets with 1001, as a single server does. If a worker dies on its own, the
others are stopped the same way and the parent exits non-zero: a process manager
(systemd, a container runtime) restarts the whole, rather than this file hiding a crash.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
from collections.abc import Callable
from types import FrameType

from .settings import Settings

logger = logging.getLogger(__name__)


def bind(settings: Settings) -> socket.socket:
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((settings.host, settings.port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _exit_code(status: int) -> int:
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status)
    return 128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else 1


def run_workers(settings: Settings, serve_one: Callable[[socket.socket], int]) -> int:
    """Fork `settings.workers` processes running `serve_one(sock)`; return the worst exit code."""
    sock = bind(settings)
    children: dict[int, int] = {}  # pid -> worker number
    for number in range(settings.workers):
        pid = os.fork()
        if pid == 0:  # the worker
            code = 1
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                code = serve_one(sock)
            except BaseException:
                logger.exception("worker %d failed", number)
            finally:
                logging.shutdown()
                os._exit(code)
        children[pid] = number
    sock.close()  # only the workers accept
    logger.info("started %d workers: %s", len(children), ", ".join(map(str, children)))

    stopping = False

    def stop_all(signum: int, frame: FrameType | None = None) -> None:
        nonlocal stopping
        stopping = True
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop_all)
    signal.signal(signal.SIGINT, stop_all)
    worst = 0
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        number = children.pop(pid, -1)
        code = _exit_code(status)
        if number < 0:
            continue
        worst = max(worst, code)
        if not stopping:
            logger.error("worker %d (pid %d) exited with %d; stopping the others",
                         number, pid, code)
            worst = max(worst, 1)
            stop_all(signal.SIGTERM)
    return worst
