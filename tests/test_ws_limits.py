"""Origin check, frame size, hello timeout, message rate and connections per address."""

from __future__ import annotations

from pathlib import Path

import pytest
from websockets.exceptions import InvalidStatus

from server.gateway.origin import origin_allowed
from server.protocol import CloseCode
from tests.support import Client, RunningServer, running_server, settings_for


async def refused_status(server: RunningServer, origin: str) -> int:
    with pytest.raises(InvalidStatus) as caught:
        await Client.connect(server.ws_url, origin=origin)  # type: ignore[arg-type]
    return caught.value.response.status_code


async def test_a_foreign_origin_is_refused_with_403(server: RunningServer) -> None:
    assert await refused_status(server, "https://evil.example") == 403
    assert await refused_status(server, "null") == 403
    port = server.url.rsplit(":", 1)[1]
    assert await refused_status(server, f"http://127.0.0.1:{int(port) + 1}") == 403


async def test_the_servers_own_origin_and_no_origin_are_let_in(server: RunningServer) -> None:
    own = await Client.connect(server.ws_url, origin=server.url)  # type: ignore[arg-type]
    welcome, _ = await own.hello()
    assert welcome["type"] == "welcome"
    bare = await Client.connect(server.ws_url)  # websockets sends no Origin by default
    assert (await bare.hello())[0]["type"] == "welcome"


async def test_allowed_origins_are_let_in(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, allowed_origins=("https://survey.example.org",))
    async with running_server(settings) as server:
        client = await Client.connect(
            server.ws_url, origin="https://survey.example.org"  # type: ignore[arg-type]
        )
        assert (await client.hello())[0]["type"] == "welcome"
        assert await refused_status(server, "https://other.example.org") == 403


@pytest.mark.parametrize(
    ("origin", "host", "allowed"),
    [
        ("http://example.com", "example.com", True),
        ("https://example.com", "example.com", True),
        ("http://example.com:80", "example.com", True),
        ("http://EXAMPLE.com:8000", "example.com:8000", True),
        ("http://example.com:8001", "example.com:8000", False),
        ("https://example.com", "example.com:80", False),
        ("http://example.com.evil.org", "example.com", False),
        ("null", "example.com", False),
        ("file://", "example.com", False),
        ("http://[::1]:8000", "[::1]:8000", True),
    ],
)
def test_origin_rules(origin: str, host: str, allowed: bool) -> None:
    assert origin_allowed(origin, host, ()) is allowed


async def test_an_oversized_frame_closes_with_1009(tmp_path: Path) -> None:
    async with running_server(settings_for(tmp_path, max_message_bytes=4096)) as server:
        client = await Client.connect(server.ws_url)
        await client.hello()
        await client.send({"type": "draft", "step": "intro", "value": "x" * 5000})
        assert await client.close_code() == CloseCode.MESSAGE_TOO_BIG


async def test_the_default_limit_is_64_kib(server: RunningServer) -> None:
    client = await Client.connect(server.ws_url, max_size=None)
    await client.hello()
    await client.send("x" * (64 * 1024 - 10))  # under the limit: just bad JSON
    assert (await client.recv())["code"] == "bad_json"
    await client.send("x" * (64 * 1024 + 1))
    assert await client.close_code() == CloseCode.MESSAGE_TOO_BIG


async def test_no_hello_in_time_closes_with_4408(tmp_path: Path) -> None:
    async with running_server(settings_for(tmp_path, hello_timeout=0.3)) as server:
        client = await Client.connect(server.ws_url)
        assert await client.close_code() == CloseCode.HELLO_TIMEOUT
        # Protocol errors do not extend the deadline.
        client = await Client.connect(server.ws_url)
        assert (await client.request("junk"))["code"] == "bad_json"
        assert await client.close_code() == CloseCode.HELLO_TIMEOUT


async def test_too_many_messages_are_rate_limited_then_closed(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, rate_limit=1.0, rate_burst=5)
    async with running_server(settings) as server:
        client = await Client.connect(server.ws_url)
        await client.hello()
        replies = []
        for _ in range(5):
            replies.append(await client.request({"type": "ping"}))
        assert replies == [{"type": "pong"}] * 5
        limited = await client.request({"type": "answer", "seq": 1, "step": "intro",
                                         "value": None})
        assert limited["code"] == "rate_limited" and limited["ack"] is None
        for _ in range(25):
            await client.send({"type": "ping"})
        assert await client.close_code() == CloseCode.RATE_LIMITED
        row = server.db().execute("SELECT last_seq FROM sessions").fetchone()
        assert row[0] == 0  # the rate-limited answer consumed no seq


async def test_connections_per_address_are_limited(tmp_path: Path) -> None:
    async with running_server(settings_for(tmp_path, max_connections_per_address=2)) as server:
        first = await Client.connect(server.ws_url)
        second = await Client.connect(server.ws_url)
        await first.hello()
        await second.hello()
        third = await Client.connect(server.ws_url)
        assert (await third.recv())["code"] == "rate_limited"
        assert await third.close_code() == CloseCode.RATE_LIMITED
        await first.close()
        await first.ws.wait_closed()
        # The slot is freed once the server has seen the close.
        from tests.support import wait_until

        registry = server.app.state.gateway.registry
        await wait_until(lambda: registry.connections_from("127.0.0.1") == 1)
        fourth = await Client.connect(server.ws_url)
        assert (await fourth.hello())[0]["type"] == "welcome"
