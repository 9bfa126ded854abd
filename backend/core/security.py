"""Security primitives: service-token check, masking, password hashing, HMAC digests, tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


def bearer_token_matches(authorization: str | None, expected_token: str) -> bool:
    """Check an ``Authorization: Bearer <token>`` header against the service token.

    The comparison runs in constant time (``hmac.compare_digest``) so the token cannot be guessed
    byte by byte from response timings.
    """
    if not authorization:
        return False
    scheme, _, supplied = authorization.partition(" ")
    if scheme.lower() != "bearer" or not supplied:
        return False
    return hmac.compare_digest(supplied.strip().encode(), expected_token.encode())


def mask_phone(phone: str) -> str:
    """Mask a mainland mobile number the way eepay shows it: 13800001001 -> 138****1001."""
    digits = phone.strip()
    if len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) > 2:
        return f"{digits[0]}{'*' * (len(digits) - 2)}{digits[-1]}"
    return "*" * len(digits)


def mask_email(email: str) -> str:
    """Mask an email address: chenjing@example.com -> c***g@example.com."""
    local, at, domain = email.strip().partition("@")
    if not at:
        return mask_phone(email)
    if len(local) <= 1:
        masked = "*"
    elif len(local) == 2:
        masked = f"{local[0]}*"
    else:
        masked = f"{local[0]}***{local[-1]}"
    return f"{masked}@{domain}"


@lru_cache(maxsize=8)
def password_hasher(time_cost: int, memory_cost_kib: int, parallelism: int) -> PasswordHasher:
    """An argon2id hasher with the given cost parameters (cached per parameter set)."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=parallelism)


def verify_password_hash(hasher: PasswordHasher, password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches the stored argon2 hash; False for no hash or a mismatch."""
    if not password_hash:
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def keyed_digest(secret_key: str, *parts: str) -> str:
    """HMAC-SHA256 of the parts (joined unambiguously), hex-encoded.

    Used to store verification codes and reset tokens without keeping them in the clear.
    """
    message = "\x1f".join(parts).encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def digests_match(left: str, right: str) -> bool:
    """Constant-time equality for two digests or tokens."""
    return hmac.compare_digest(left.encode(), right.encode())


def new_verification_code() -> str:
    """Six random digits from the OS CSPRNG (leading zeros allowed)."""
    return f"{secrets.randbelow(1_000_000):06d}"


def new_token(nbytes: int = 32) -> str:
    """An unguessable URL-safe token."""
    return secrets.token_urlsafe(nbytes)


def fingerprint(*parts: object) -> str:
    """A stable SHA-256 fingerprint of a request's meaningful fields (for idempotency checks)."""
    text = "\x1f".join("" if part is None else str(part) for part in parts)
    return hashlib.sha256(text.encode()).hexdigest()
