"""argon2id password hashes: customers' passwords in the backend, agents' in the desk.

Each service takes its cost parameters from its settings (RFC 9106's low-memory profile by
default) and keeps one hasher per parameter set.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# The longest password any service accepts (API field or form field): longer input is refused
# before it reaches the deliberately slow hash.
MAX_PASSWORD_LENGTH = 256


@lru_cache(maxsize=8)
def password_hasher(time_cost: int, memory_cost_kib: int, parallelism: int) -> PasswordHasher:
    """An argon2id hasher with the given cost parameters (cached per parameter set)."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=parallelism)


def verify_password_hash(
    hasher: PasswordHasher, password_hash: Optional[str], password: str
) -> bool:
    """True when ``password`` matches the stored argon2 hash; False for no hash or a mismatch
    (a malformed stored hash counts as a mismatch, not an error)."""
    if not password_hash:
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
