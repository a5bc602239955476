"""The unit the per-address limits count: one IPv4 address, or one IPv6 /64.

An IPv6 host is usually handed a whole /64, so counting single IPv6 addresses would give one
client 2**64 separate allowances.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

IPV6_GROUP_PREFIX = 64


# Parsing an address costs more than the rest of a connection's admission: remember the
# most recent ones (a busy server sees the same addresses again and again).
@lru_cache(maxsize=4096)
def address_group(host: str) -> str:
    """'203.0.113.7' stays itself; '2001:db8:1:2:3::4' becomes '2001:db8:1:2::/64'."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host  # not an address (a Unix socket, a test client): counted as given
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        network = ipaddress.IPv6Network((address, IPV6_GROUP_PREFIX), strict=False)
        return str(network)
    return str(address)
