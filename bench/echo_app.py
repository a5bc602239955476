"""The ceiling: a bare Starlette WebSocket echo endpoint, served exactly as the server is.

No application can exchange messages over this stack faster than this endpoint does, so
the benchmark quotes the survey server's figures as a fraction of its figures.
"""

from __future__ import annotations

import argparse
import logging

from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from server.logs import configure_logging
from server.runner import run
from server.settings import Settings

from .serving import serve_on_free_port

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
    await serve_on_free_port(app, host, logger)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    configure_logging(Settings().log_level)  # uvicorn logs each connection, as for the server
    run(serve(args.host))  # on the same event loop as the server


if __name__ == "__main__":
    main()
