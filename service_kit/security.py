"""Security primitives of every service: bearer tokens, constant-time token checks, fresh tokens,
and the checks that a browser's form post came from the service's own page.

Password hashes are ``service_kit.passwords``.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Optional
from urllib.parse import urlsplit

from starlette.requests import Request


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
    """Constant-time comparison (``hmac.compare_digest``): response timings give no hint with
    which to guess a token byte by byte."""
    if not supplied:
        return False
    return hmac.compare_digest(supplied.encode(), expected.encode())


def new_token(nbytes: int = 32) -> str:
    """An unguessable URL-safe token from the OS CSPRNG."""
    return secrets.token_urlsafe(nbytes)


def same_origin(request: Request) -> bool:
    """Reject cross-site form posts: Origin (when sent) must be this host, and browsers that
    send Sec-Fetch-Site must not say cross-site."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        return False
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


def double_submit_ok(request: Request, cookie_name: str, supplied: str) -> bool:
    """The CSRF check of a form posted before there is a session: the form's hidden token must
    equal the one in the cookie set with the form, and the post must come from this site."""
    cookie = request.cookies.get(cookie_name, "")
    return bool(cookie) and tokens_match(supplied, cookie) and same_origin(request)
