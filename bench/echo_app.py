"""The ceiling: a bare Starlette WebSocket echo endpoint, served exactly as the server is.

No application can exchange messages over this stack faster than this endpoint does, so
the benchmark quotes the survey server's figures as a fraction of its figures.
"""

from __future__ import annotations

import argparse
import logging
import socket

import uvicorn
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from server.logs import configure_logging
from server.runner import run, uvicorn_config
from server.settings import Settings

logger = logging.getLogger("bench.echo")


async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    try:
        while True:
            await websocket.send_text(await websocket.receive_text())
    except WebSocketDisconnect:
        pass


app = Starlette(routes=[WebSocketRoute("/ws", echo)])


async def serve(host: str) -> None:
    settings = Settings(host=host, port=0)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    server = uvicorn.Server(uvicorn_config(app, settings))
    # The same line the survey server logs, so one helper starts both.
    logger.info("serving on http://%s:%d", host, sock.getsockname()[1])
    await server.serve(sockets=[sock])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    configure_logging(Settings().log_level)  # uvicorn logs each connection, as for the server
    run(serve(args.host))  # on the same event loop as the server


if __name__ == "__main__":
    main()
