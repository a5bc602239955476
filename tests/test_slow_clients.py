"""Slow HTTP clients: a deadline for request heads, and a bound on open connections."""

from __future__ import annotations

import asyncio
from pathlib import Path

from server.settings import load_settings
from server.runner import HTTP_RESERVE
from tests.support import (
    RECV_TIMEOUT,
    Client,
    RunningServer,
    running_server,
    settings_for,
    wait_until,
)

HALF_A_HEAD = b"GET /healthz HTTP/1.1\r\nHost: survey\r\nX-Slow: "


async def slow_socket(server: RunningServer) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A connection that starts a request head and never finishes it."""
    port = int(server.url.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(HALF_A_HEAD)
    await writer.drain()
    return reader, writer


async def healthz(server: RunningServer) -> bytes:
    port = int(server.url.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: survey\r\nConnection: close\r\n\r\n")
    response = await asyncio.wait_for(reader.read(), RECV_TIMEOUT)
    writer.close()
    return response


async def test_a_half_sent_request_head_is_closed_with_408(tmp_path: Path) -> None:
    async with running_server(settings_for(tmp_path, header_timeout=0.3)) as server:
        reader, writer = await slow_socket(server)
        answer = await asyncio.wait_for(reader.read(), RECV_TIMEOUT)  # until the server closes
        assert answer.startswith(b"HTTP/1.1 408 "), answer
        writer.close()
        # A connection that sends nothing at all is closed the same way.
        port = int(server.url.rsplit(":", 1)[1])
        silent, silent_writer = await asyncio.open_connection("127.0.0.1", port)
        assert (await asyncio.wait_for(silent.read(), RECV_TIMEOUT)).startswith(b"HTTP/1.1 408")
        silent_writer.close()
        # Complete requests and WebSockets are not touched by the deadline.
        client = await Client.connect(server.ws_url)
        await client.hello()
        assert (await healthz(server)).startswith(b"HTTP/1.1 200 ")
        await asyncio.wait_for(client.ws.ping(), RECV_TIMEOUT)  # well past the 0.3 s
        assert (await client.request({"type": "ping"})) == {"type": "pong"}


async def test_more_slow_sockets_than_the_limit_leave_room_for_healthz(tmp_path: Path) -> None:
    limit = 6
    # uvicorn's limit is the WebSockets' plus the HTTP reserve; 3 places are the
    # respondent's, the health check's and one kept free (see below).
    kept = limit + HTTP_RESERVE - 3
    slow_count = kept + 12
    settings = settings_for(tmp_path, max_connections=limit, header_timeout=60.0)
    async with running_server(settings) as server:
        respondent = await Client.connect(server.ws_url)
        await respondent.hello()
        slow = [await slow_socket(server) for _ in range(slow_count)]
        response = await healthz(server)
        assert response.startswith(b"HTTP/1.1 200 ") and b'"ok"' in response, response
        # The oldest half-sent heads were closed to make room: the server kept below its
        # limit the respondent, the health check and the newest slow sockets (one place
        # stays free: uvicorn answers 503 once the count, a request's own connection
        # included, reaches the limit).
        readers = [reader for reader, _ in slow]
        await wait_until(lambda: sum(reader.at_eof() for reader in readers) >= slow_count - kept)
        assert [reader.at_eof() for reader in readers] == (
            [True] * (slow_count - kept) + [False] * kept)
        # The respondent's WebSocket was never a candidate.
        assert (await respondent.request({"type": "ping"})) == {"type": "pong"}
        for _, writer in slow:
            writer.close()


async def test_at_the_limit_new_websockets_wait_and_health_checks_still_answer(
    tmp_path: Path,
) -> None:
    limit = 3
    async with running_server(settings_for(tmp_path, max_connections=limit)) as server:
        respondents = [await Client.connect(server.ws_url) for _ in range(limit)]
        for respondent in respondents:
            await respondent.hello()
        late = await Client.connect(server.ws_url)
        refused = await late.recv()
        code = await late.close_code()
        response = await healthz(server)
        for respondent in respondents:
            await respondent.close()
    assert (refused["code"], code) == ("rate_limited", 4429)  # the page reconnects later
    assert response.startswith(b"HTTP/1.1 200 "), response


def test_the_connection_settings_are_checked() -> None:
    settings = load_settings(
        {"max_connections": "500"}, {"SURVEY_HEADER_TIMEOUT": "2.5"}
    )
    assert (settings.max_connections, settings.header_timeout) == (500, 2.5)
