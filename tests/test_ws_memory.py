"""A connection that ends is freed at once, not left for the cyclic garbage collector.

Objects left in reference cycles wait for a full collection; under load those piled up
and each full pass paused every connection for tens of milliseconds (bench/ saw it as the
p99 latency).
"""

from __future__ import annotations

import gc

from server.gateway.connection import Connection
from server.gateway.live import LiveSession
from tests.support import Client, RunningServer, wait_until


def alive(kind: type) -> list[object]:
    return [o for o in gc.get_objects() if type(o) is kind]


async def test_a_finished_connection_leaves_nothing_for_the_cycle_collector(
    server: RunningServer,
) -> None:
    gateway = server.app.state.gateway
    gc.collect()
    gc.disable()
    try:
        for _ in range(3):
            client = await Client.connect(server.ws_url)
            await client.hello()
            await client.answer("intro", None)
            await client.close()
        await wait_until(lambda: gateway.counts()["connections"] == 0)
        assert alive(Connection) == []
        assert alive(LiveSession) == []
    finally:
        gc.enable()
