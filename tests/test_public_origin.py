"""--public-origin: the WebSocket Origin is checked against the configured address."""

from __future__ import annotations

from pathlib import Path

import pytest
from websockets.exceptions import InvalidStatus

from server.gateway.origin import origin_allowed
from server.settings import SettingsError, load_settings
from tests.support import Client, running_server, settings_for, start_server_process

PUBLIC = "https://survey.example.org"


async def connect_with_origin(url: str, origin: str) -> Client:
    return await Client.connect(url, origin=origin)  # type: ignore[arg-type]


async def test_a_rebound_host_name_is_refused_when_a_public_origin_is_set(
    tmp_path: Path,
) -> None:
    # A DNS-rebinding page at http://localhost:PORT sends a Host that matches its Origin.
    async with running_server(settings_for(tmp_path, public_origin=PUBLIC)) as server:
        port = server.url.rsplit(":", 1)[1]
        rebound = f"http://localhost:{port}"
        with pytest.raises(InvalidStatus) as caught:
            await connect_with_origin(f"ws://localhost:{port}/ws", rebound)
        assert caught.value.response.status_code == 403


async def test_the_public_origin_and_listed_origins_are_let_in(tmp_path: Path) -> None:
    settings = settings_for(
        tmp_path, public_origin=PUBLIC, allowed_origins=("https://forms.example.org",)
    )
    async with running_server(settings) as server:
        # The Host is the proxy's upstream address, not the public one: that is fine.
        for origin in (PUBLIC, "https://SURVEY.example.org:443", "https://forms.example.org"):
            client = await connect_with_origin(server.ws_url, origin)
            assert (await client.hello())[0]["type"] == "welcome"
            await client.close()
        with pytest.raises(InvalidStatus):
            await connect_with_origin(server.ws_url, "http://survey.example.org")


@pytest.mark.parametrize(
    ("origin", "host", "allowed"),
    [
        (PUBLIC, "127.0.0.1:8000", True),
        ("https://survey.example.org:443", "anything", True),
        ("https://survey.example.org:8443", "survey.example.org:8443", False),
        ("http://evil.example", "evil.example", False),
        (None, "evil.example", True),  # not a browser
        ("null", "survey.example.org", False),
    ],
)
def test_public_origin_rules(origin: str | None, host: str, allowed: bool) -> None:
    assert origin_allowed(origin, host, (), PUBLIC) is allowed


def test_the_public_origin_setting_is_checked() -> None:
    settings = load_settings({}, {"SURVEY_PUBLIC_ORIGIN": PUBLIC})
    assert settings.public_origin == PUBLIC
    for bad in ("survey.example.org", "https://a.example,https://b.example", "https://x/path"):
        with pytest.raises(SettingsError, match="--public-origin"):
            load_settings({"public_origin": bad}, {})


def test_listening_beyond_loopback_without_a_public_origin_warns(tmp_path: Path) -> None:
    exposed = start_server_process("--host", "0.0.0.0", "--db", str(tmp_path / "a.db"))
    exposed.terminate()
    assert any("WITHOUT --public-origin" in line for line in exposed.log), exposed.log
    configured = start_server_process(
        "--host", "0.0.0.0", "--db", str(tmp_path / "b.db"), "--public-origin", PUBLIC
    )
    configured.terminate()
    loopback = start_server_process("--db", str(tmp_path / "c.db"))
    loopback.terminate()
    for quiet in (configured, loopback):
        assert not any("public-origin" in line for line in quiet.log), quiet.log
