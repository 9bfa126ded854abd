"""The desk's own security primitive: the stored digest of a session token (bearer tokens and
token checks are ``service_kit.security``, password hashes ``service_kit.passwords``)."""

from __future__ import annotations

import hashlib


def token_digest(token: str) -> str:
    """SHA-256 of a session token: the database stores only this, never the token itself.

    A plain hash suffices (no KDF): the token has 256 bits of entropy, so it cannot be
    brute-forced from a stolen digest.
    """
    return hashlib.sha256(token.encode()).hexdigest()
