"""Serving a reference app exactly as the survey server is served, on a free port."""

from __future__ import annotations

import logging
import socket

import uvicorn
from starlette.applications import Starlette

from server.runner import uvicorn_config
from server.settings import Settings


async def serve_on_free_port(app: Starlette, host: str, logger: logging.Logger) -> None:
    settings = Settings(host=host, port=0)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    # Listening before the line below is logged: a client that reads it may connect at
    # once, and its connection waits in the backlog until uvicorn accepts it.
    sock.listen(2048)
    server = uvicorn.Server(uvicorn_config(app, settings))
    # The same line the survey server logs, so one helper starts them all.
    logger.info("serving on http://%s:%d", host, sock.getsockname()[1])
    await server.serve(sockets=[sock])
