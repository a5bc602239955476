"""Which browser origins may open a WebSocket (a guard against cross-site hijacking)."""

from __future__ import annotations

from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def _host_port(netloc: str, default_port: int | None) -> tuple[str, int | None] | None:
    try:
        parts = urlsplit(f"//{netloc}")
        port = parts.port
    except ValueError:
        return None
    if parts.hostname is None:
        return None
    return parts.hostname.lower(), port if port is not None else default_port


def origin_allowed(origin: str | None, host_header: str | None, allowed: tuple[str, ...]) -> bool:
    """No Origin (not a browser): allowed. `null`: refused. Else same host and port, or listed."""
    if origin is None:
        return True
    if origin == "null":
        return False
    if origin in allowed:
        return True
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    if not host_header or parts.scheme not in DEFAULT_PORTS or not parts.netloc:
        return False
    default_port = DEFAULT_PORTS[parts.scheme]
    own = _host_port(host_header, default_port)
    theirs = _host_port(parts.netloc, default_port)
    return own is not None and own == theirs
