"""Session tokens: random secrets handed out once, stored only as hashes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import os
import secrets

TOKEN_BYTES = 32
USER_ID_BYTES = 16  # 128 bits, as PROTOCOL.md asks of generated ids


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_user_id() -> str:
    return secrets.token_hex(USER_ID_BYTES)


def new_session_secrets() -> tuple[str, str]:
    """A new session's (user_id, token), as new_user_id() and new_token() make them, from
    one call for random bytes: each such call gives the GIL away, and under load the
    writer thread then keeps it for a while."""
    random = os.urandom(USER_ID_BYTES + TOKEN_BYTES)
    token = base64.urlsafe_b64encode(random[USER_ID_BYTES:]).rstrip(b"=").decode("ascii")
    return random[:USER_ID_BYTES].hex(), token


class _Owners:
    """Connection ids for fencing: unique across processes and restarts, never secret.

    A random prefix per process (new in each forked worker) and a counter: no system
    call per connection, unlike a uuid4.
    """

    def __init__(self) -> None:
        self.reset()
        os.register_at_fork(after_in_child=self.reset)

    def reset(self) -> None:
        self._prefix = secrets.token_hex(8)
        self._counter = itertools.count(1)

    def new(self) -> str:
        return f"{self._prefix}{next(self._counter):x}"


new_owner = _Owners().new


def hash_token(token: str) -> str:
    # A token carries 256 random bits, so a fast hash is enough: there is nothing to guess.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def token_matches(token: str | None, token_hash: str) -> bool:
    """Constant-time check of a presented token against a stored hash."""
    presented = hash_token(token) if token else ""
    return hmac.compare_digest(presented.encode(), token_hash.encode())


def secret_matches(presented: str, secret: str | None) -> bool:
    """Constant-time comparison of a presented secret, such as the admin key."""
    if not secret:
        return False
    return hmac.compare_digest(presented.encode("utf-8", "surrogatepass"), secret.encode())
