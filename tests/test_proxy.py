"""Behind a reverse proxy: limits per real client address, and only trusted proxies believed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from server.gateway.addresses import address_group
from server.protocol import CloseCode
from server.settings import SettingsError, load_settings
from tests.proxy import nginx_in_front
from tests.support import Client, running_server, settings_for


def ws(url: str) -> str:
    return url.replace("http://", "ws://") + "/ws"


async def connect_from(url: str, source: str, **kwargs: Any) -> Client:
    """Connect from a loopback address of our choosing (Linux routes all of 127/8 to lo)."""
    return await Client.connect(url, local_addr=(source, 0), **kwargs)


async def assert_refused_for_the_address(client: Client) -> None:
    reply = await client.recv()
    assert reply["code"] == "rate_limited", reply
    assert await client.close_code() == CloseCode.RATE_LIMITED


async def test_through_nginx_each_client_address_has_its_own_limit(tmp_path: Path) -> None:
    settings = settings_for(
        tmp_path, max_connections_per_address=1, forwarded_allow_ips=("127.0.0.1",)
    )
    async with running_server(settings) as server, nginx_in_front(tmp_path, server.url) as proxy:
        first = await connect_from(ws(proxy), "127.0.0.2")
        await first.hello()
        # The same client again: over its limit, even when it claims to be someone else.
        await assert_refused_for_the_address(await connect_from(ws(proxy), "127.0.0.2"))
        forged = await connect_from(
            ws(proxy), "127.0.0.2", additional_headers={"X-Forwarded-For": "127.0.0.9"}
        )
        await assert_refused_for_the_address(forged)
        # Another client behind the same proxy is not held back by the first.
        other = await connect_from(ws(proxy), "127.0.0.3")
        assert (await other.hello())[0]["type"] == "welcome"
        registry = server.app.state.gateway.registry
        assert registry.connections_from("127.0.0.2") == 1
        assert registry.connections_from("127.0.0.3") == 1
        assert registry.connections_from("127.0.0.1") == 0  # nginx itself counts for nobody


async def test_a_reconnect_through_nginx_resumes_the_session(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, forwarded_allow_ips=("127.0.0.1",))
    async with running_server(settings) as server, nginx_in_front(tmp_path, server.url) as proxy:
        client = await Client.connect(ws(proxy))
        await client.hello()
        assert (await client.answer("intro", None))["step"]["id"] == "mode"
        await client.close()
        again = await Client.connect(ws(proxy))
        welcome, step = await again.hello(user_id=client.user_id, token=client.token)
        assert welcome["resumed"] is True and welcome["last_seq"] == 1
        assert step["step"]["id"] == "mode"
        assert (await again.answer("mode", "car"))["ack"] == 2


async def test_a_forged_forwarded_for_is_ignored_without_a_trusted_proxy(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, max_connections_per_address=1)
    async with running_server(settings) as server:
        first = await Client.connect(
            server.ws_url, additional_headers={"X-Forwarded-For": "10.0.0.1"}
        )
        await first.hello()
        second = await Client.connect(
            server.ws_url, additional_headers={"X-Forwarded-For": "10.0.0.2"}
        )
        await assert_refused_for_the_address(second)
        registry = server.app.state.gateway.registry
        assert registry.connections_from("127.0.0.1") == 1


async def test_ipv6_clients_are_counted_per_64(tmp_path: Path) -> None:
    settings = settings_for(
        tmp_path, max_connections_per_address=1, forwarded_allow_ips=("127.0.0.1",)
    )
    async with running_server(settings) as server:
        def via(address: str) -> dict[str, Any]:
            return {"additional_headers": {"X-Forwarded-For": address}}

        first = await Client.connect(server.ws_url, **via("2001:db8:0:1::1"))
        await first.hello()
        # Another address in the same /64: the same client, over its limit.
        await assert_refused_for_the_address(
            await Client.connect(server.ws_url, **via("2001:db8:0:1:ffff::2"))
        )
        neighbour = await Client.connect(server.ws_url, **via("2001:db8:0:2::1"))
        assert (await neighbour.hello())[0]["type"] == "welcome"


@pytest.mark.parametrize(
    ("host", "group"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2::", "2001:db8:1:2::/64"),
        ("::ffff:198.51.100.1", "198.51.100.1"),
        ("testclient", "testclient"),
    ],
)
def test_address_groups(host: str, group: str) -> None:
    assert address_group(host) == group


def test_trusted_proxies_are_checked() -> None:
    settings = load_settings({"forwarded_allow_ips": "127.0.0.1, 10.0.0.0/8,::1"}, {})
    assert settings.forwarded_allow_ips == ("127.0.0.1", "10.0.0.0/8", "::1")
    assert load_settings({}, {"SURVEY_FORWARDED_ALLOW_IPS": "*"}).forwarded_allow_ips == ("*",)
    with pytest.raises(SettingsError, match="--forwarded-allow-ips: 'proxy.local' is not"):
        load_settings({"forwarded_allow_ips": "proxy.local"}, {})
