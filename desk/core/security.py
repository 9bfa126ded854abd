"""Security primitives: bearer tokens, opaque session tokens, argon2id passwords, CSRF values."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import lru_cache
from typing import Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


def bearer_token(authorization: Optional[str]) -> Optional[str]:
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    if not authorization:
        return None
    scheme, _, supplied = authorization.partition(" ")
    supplied = supplied.strip()
    if scheme.lower() != "bearer" or not supplied:
        return None
    return supplied


def tokens_match(supplied: Optional[str], expected: str) -> bool:
    """Constant-time comparison (``hmac.compare_digest``): no timing hints to guess a token."""
    if not supplied:
        return False
    return hmac.compare_digest(supplied.encode(), expected.encode())


def new_token(nbytes: int = 32) -> str:
    """An unguessable URL-safe token from the OS CSPRNG."""
    return secrets.token_urlsafe(nbytes)


def token_digest(token: str) -> str:
    """SHA-256 of a session token: the database stores only this, never the token itself.

    A plain hash suffices (no KDF): the token has 256 bits of entropy, so it cannot be
    brute-forced from a stolen digest.
    """
    return hashlib.sha256(token.encode()).hexdigest()


@lru_cache(maxsize=8)
def password_hasher(time_cost: int, memory_cost_kib: int, parallelism: int) -> PasswordHasher:
    """An argon2id hasher with the given cost parameters (cached per parameter set)."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=parallelism)


def verify_password_hash(
    hasher: PasswordHasher, password_hash: Optional[str], password: str
) -> bool:
    """True when ``password`` matches the stored argon2 hash; False for no hash or a mismatch."""
    if not password_hash:
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
