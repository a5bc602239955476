"""Values the server signs with keys derived from the admin key: page cursors, sign-in cookies.

Deriving per-purpose keys means a cursor can never pass as a cookie, and changing the
admin key invalidates both (everyone is signed out).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any


def _key(admin_key: str, purpose: str) -> bytes:
    return hmac.new(admin_key.encode("utf-8", "surrogatepass"), purpose.encode(),
                    hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(admin_key: str, purpose: str, value: Any) -> str:
    payload = _b64(json.dumps(value, separators=(",", ":")).encode())
    mac = hmac.new(_key(admin_key, purpose), payload.encode(), hashlib.sha256).digest()
    return f"{payload}.{_b64(mac)}"


def unsign(admin_key: str, purpose: str, signed: str) -> Any:
    """The value, or None when `signed` was not made by `sign` with this key and purpose."""
    payload, _, mac = signed.partition(".")
    if not payload or not mac or len(signed) > 4096:
        return None
    expected = hmac.new(_key(admin_key, purpose), payload.encode(), hashlib.sha256).digest()
    try:
        if not hmac.compare_digest(_unb64(mac), expected):
            return None
        return json.loads(_unb64(payload))
    except ValueError:  # bad base64 or JSON: not ours
        return None
