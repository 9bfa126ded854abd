"""Dependencies shared by the routes: the service context and who is calling."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Optional

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from desk.core.errors import AuthRequiredError, ForbiddenError
from desk.models.enums import SessionKind
from desk.services import sessions
from desk.services.context import ServiceContext
from desk.services.principal import Principal
from service_kit.security import bearer_token, tokens_match

# Documents the bearer token in OpenAPI; the dependencies below enforce it.
bearer_scheme = HTTPBearer(auto_error=False, description="A token from POST /api/login")


def get_ctx(request: Request) -> ServiceContext:
    """The service context of the running app."""
    return request.app.state.ctx


@lru_cache(maxsize=8)
def _proxies(setting: str) -> frozenset[str]:
    return frozenset(part.strip() for part in setting.split(",") if part.strip())


def _valid_address(value: str) -> Optional[str]:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request: Request, ctx: ServiceContext = Depends(get_ctx)) -> str:
    """The address the sign-in limits count by: the TCP peer, or, when the peer is one of
    ``DESK_TRUSTED_PROXIES``, the last X-Forwarded-For address that no trusted proxy added
    (anything before it could have been written by the client itself)."""
    peer = request.client.host if request.client else "unknown"
    trusted = _proxies(ctx.settings.trusted_proxies)
    if peer not in trusted:
        return peer
    forwarded = request.headers.get("x-forwarded-for", "").split(",")
    for hop in reversed(forwarded[-16:]):
        address = _valid_address(hop)
        if address is None:
            break
        if address not in trusted:
            return address
    return peer


def require_agent(
    request: Request,
    ctx: ServiceContext = Depends(get_ctx),
    _credentials: Optional[HTTPAuthorizationCredentials] = Depends(bearer_scheme),
) -> Principal:
    """The agent of the request's bearer token (401 AUTH_REQUIRED / INVALID_TOKEN)."""
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        raise AuthRequiredError(
            "Sign in first: send 'Authorization: Bearer <token>' with a token from POST /api/login."
        )
    principal = sessions.resolve(ctx, token, SessionKind.API)
    if principal is None:
        raise AuthRequiredError(
            "The token is invalid or has expired; sign in again.", code="INVALID_TOKEN"
        )
    return principal


def require_supervisor(principal: Principal = Depends(require_agent)) -> Principal:
    """A supervisor's bearer token (403 SUPERVISOR_ONLY for agents)."""
    if not principal.is_supervisor:
        raise ForbiddenError("Only supervisors may see the analytics.", code="SUPERVISOR_ONLY")
    return principal


def require_service(request: Request, ctx: ServiceContext = Depends(get_ctx)) -> None:
    """The action server's DESK_SERVICE_TOKEN (compared in constant time)."""
    authorization = request.headers.get("authorization")
    if not tokens_match(bearer_token(authorization), ctx.settings.service_token):
        if authorization:
            raise AuthRequiredError("The service token is wrong.", code="INVALID_TOKEN")
        raise AuthRequiredError("Send the service token as 'Authorization: Bearer <token>'.")
