"""Which browser origins may open a WebSocket (a guard against cross-site hijacking).

With a public origin configured, the Origin must be that one (or a listed one): the request's
own Host proves nothing, since a DNS-rebinding page sends a Host it chose. Without one, the
Origin must match the Host, which is safe only while the server listens on loopback.
"""

from __future__ import annotations

import ipaddress
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


def normal_origin(origin: str) -> tuple[str, str, int | None] | None:
    """(scheme, host, port) of an origin, ports made explicit; None when it is not one."""
    try:
        parts = urlsplit(origin)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.netloc:
        return None
    host_port = _host_port(parts.netloc, DEFAULT_PORTS[scheme])
    return None if host_port is None else (scheme, *host_port)


def origin_allowed(
    origin: str | None,
    host_header: str | None,
    allowed: tuple[str, ...],
    public_origin: str | None = None,
) -> bool:
    """No Origin (not a browser): allowed. `null`: refused. Listed origins: allowed.

    Then: the public origin when one is set, else the same host and port as the Host header.
    """
    if origin is None:
        return True
    if origin == "null":
        return False
    theirs = normal_origin(origin)
    if theirs is None:
        return False
    listed = (*allowed, public_origin) if public_origin else allowed
    if any(normal_origin(candidate) == theirs for candidate in listed):
        return True
    if public_origin or not host_header:
        return False
    return _host_port(host_header, DEFAULT_PORTS[theirs[0]]) == theirs[1:]


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses: only this machine can connect."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name: it may resolve to anything
