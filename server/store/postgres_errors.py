"""Which PostgreSQL failures are worth retrying, and how to say where the database is."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import asyncpg

# A dropped or refused connection, a server shutting down or starting up (a restart, a
# failover), a serialization failure or deadlock, too many clients, a promoted replica not
# yet writable: each may go away on its own, so a write is tried again.
TRANSIENT: tuple[type[BaseException], ...] = (
    OSError,  # ConnectionRefusedError, ConnectionResetError, ...
    asyncio.TimeoutError,
    asyncpg.exceptions.PostgresConnectionError,  # class 08
    asyncpg.exceptions.InterfaceError,  # the connection was closed under us
    # The server's shutdown notice arriving while a statement was in flight leaves the
    # connection's protocol state broken: seen restarting PostgreSQL under load.
    asyncpg.exceptions.InternalClientError,
    asyncpg.exceptions.SerializationError,  # 40001
    asyncpg.exceptions.DeadlockDetectedError,  # 40P01
    asyncpg.exceptions.OperatorInterventionError,  # 57P0x: admin shutdown, cannot connect now
    asyncpg.exceptions.InsufficientResourcesError,  # 53xxx: too many connections, disk full
    asyncpg.exceptions.ReadOnlySQLTransactionError,  # 25006: a replica during failover
    asyncpg.exceptions.LockNotAvailableError,  # 55P03
)


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, TRANSIENT)


def describe_url(dsn: str) -> str:
    """host:port/dbname, never the password."""
    parts = urlsplit(dsn)
    hosts = parts.netloc.rpartition("@")[2] or "localhost"
    if "," not in hosts and ":" not in hosts.rpartition("]")[2]:
        hosts += ":5432"
    return f"{hosts}{parts.path}"
