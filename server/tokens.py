"""Session tokens: random secrets handed out once, stored only as hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_BYTES = 32
USER_ID_BYTES = 16  # 128 bits, as PROTOCOL.md asks of generated ids


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_user_id() -> str:
    return secrets.token_hex(USER_ID_BYTES)


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
