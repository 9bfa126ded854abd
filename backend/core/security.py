"""The backend's own security primitives: masking, HMAC digests, verification codes, request
fingerprints (bearer tokens and token checks are ``service_kit.security``, password hashes
``service_kit.passwords``)."""

from __future__ import annotations

import hashlib
import hmac
import secrets


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


def keyed_digest(secret_key: str, *parts: str) -> str:
    """HMAC-SHA256 of the parts (joined unambiguously), hex-encoded.

    Used to store verification codes and reset tokens without keeping them in the clear.
    """
    message = "\x1f".join(parts).encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def new_verification_code() -> str:
    """Six random digits from the OS CSPRNG (leading zeros allowed)."""
    return f"{secrets.randbelow(1_000_000):06d}"


def fingerprint(*parts: object) -> str:
    """A stable SHA-256 fingerprint of a request's meaningful fields (for idempotency checks)."""
    text = "\x1f".join("" if part is None else str(part) for part in parts)
    return hashlib.sha256(text.encode()).hexdigest()
