"""`--workers N`: several server processes on one port and one database, on either store."""

from __future__ import annotations

import json
from pathlib import Path

from server.protocol import CloseCode
from tests.support import Client, query, start_server_process


def worker_pids(parent: int) -> list[int]:
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return [int(pid) for pid in children]


async def test_workers_share_the_port_and_each_saves_its_sessions_on_shutdown(
    database: Path | str,
) -> None:
    server = start_server_process("--db", str(database), "--workers", "2",
                                  "--autosave-interval", "3600")
    clients = []
    try:
        assert len(worker_pids(server.process.pid)) == 2
        for _ in range(8):
            client = await Client.connect(server.ws_url)
            await client.hello()
            await client.answer("intro", None)
            await client.answer("mode", "remote")
            await client.send({"type": "draft", "step": "remote_days", "value": 2})
            assert await client.request({"type": "ping"}) == {"type": "pong"}
            clients.append(client)
    finally:
        code = server.terminate()
    assert code == 0
    for client in clients:
        assert await client.close_code() == CloseCode.GOING_AWAY
    rows = await query(database, "SELECT session_data, owner, last_seq FROM sessions")
    assert len(rows) == 8
    assert all(json.loads(data)["drafts"] == {"remote_days": 2} and owner is None and seq == 2
               for data, owner, seq in rows)
    [(disconnected,)] = await query(
        database, "SELECT count(*) FROM session_history WHERE action = 'disconnected'")
    assert disconnected == 8
    log = "".join(server.log)
    assert log.count("serving on") == 2


async def test_a_resume_lands_on_any_worker(database: Path | str) -> None:
    server = start_server_process("--db", str(database), "--workers", "2")
    try:
        first = await Client.connect(server.ws_url)
        await first.hello()
        await first.answer("intro", None)
        await first.close()
        # Without sticky sessions each reconnect may reach either worker: all resume.
        for seq in range(2, 8):
            again = await Client.connect(server.ws_url)
            welcome, _ = await again.hello(user_id=first.user_id, token=first.token)
            assert welcome["last_seq"] == seq - 1
            reply = await again.request({"type": "back", "seq": seq}) if seq % 2 else \
                await again.request({"type": "answer", "seq": seq, "step": "mode",
                                     "value": "remote"})
            assert reply["ack"] == seq
            await again.close()
    finally:
        assert server.terminate() == 0
