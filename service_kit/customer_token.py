"""Signed customer identity tokens: who is talking, as a front end vouches for it.

An HS256 JWT whose ``sub`` is the eepay customer id, signed with ``CHAT_JWT_SECRET``. Front
ends that know the customer (the website and app, through their own login; the WeChat channel,
through the openid binding) send it as ``metadata.customer_token`` with every message. The
action server verifies it before it reads any account data.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Optional

import jwt

from service_kit import production

ALGORITHM = "HS256"
ISSUER = "eepay"
DEFAULT_TTL_SECONDS = 2 * 60 * 60
MAX_TTL_SECONDS = 24 * 60 * 60
SECRET_VARIABLE = "CHAT_JWT_SECRET"
#: published in .env.example: whoever uses it can mint a token for any customer
DEV_SECRET = "dev-chat-jwt-secret-change-me-in-production"

logger = logging.getLogger(__name__)
_warned_development_secret = False


class MissingSecret(RuntimeError):
    """Production without its own ``CHAT_JWT_SECRET``: no token is minted or believed."""


def secret_from_env() -> str:
    """``CHAT_JWT_SECRET``. Outside production an unset variable means the development
    secret of .env.example, logged (once) as such; in production the development secret is
    refused, set or not (the services refuse to start that way too: service_kit/production.py).
    """
    global _warned_development_secret
    secret = os.environ.get(SECRET_VARIABLE) or DEV_SECRET
    if secret == DEV_SECRET:
        if production.is_production():
            raise MissingSecret(f"{SECRET_VARIABLE} is not set or has its development value")
        if not _warned_development_secret:
            _warned_development_secret = True
            logger.warning(
                "customer tokens use the public development %s; set it outside development",
                SECRET_VARIABLE,
            )
    return secret


def mint(
    customer_id: str,
    secret: Optional[str] = None,
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
    now: Optional[float] = None,
) -> str:
    """A token for ``customer_id`` valid for ``ttl_seconds`` (at most 24 hours)."""
    if not customer_id:
        raise ValueError("customer_id is required")
    issued = int(now if now is not None else time.time())
    claims = {
        "sub": customer_id,
        "iss": ISSUER,
        "iat": issued,
        "exp": issued + min(ttl_seconds, MAX_TTL_SECONDS),
    }
    return jwt.encode(claims, secret or secret_from_env(), algorithm=ALGORITHM)


def verify(token: object, secret: Optional[str] = None) -> Optional[str]:
    """The customer id of a valid token; None for a missing, forged, expired or odd one."""
    if not isinstance(token, str) or not token or len(token) > 4096:
        return None
    try:
        claims = jwt.decode(
            token,
            secret or secret_from_env(),
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["sub", "exp", "iat"]},
        )
    except jwt.PyJWTError:
        return None
    customer_id = claims.get("sub")
    if not isinstance(customer_id, str) or not customer_id:
        return None
    if claims["exp"] - claims["iat"] > MAX_TTL_SECONDS:
        return None  # a token nobody of ours would mint
    return customer_id
