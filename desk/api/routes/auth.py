"""Sign in and out of the API."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from desk.api.deps import client_address, get_ctx, require_agent
from desk.models.enums import SessionKind
from desk.schemas.auth import LoginIn, LoginOut, MeOut
from desk.services import agents, sessions
from desk.services.context import ServiceContext
from desk.services.principal import Principal
from service_kit.schemas import error_responses
from service_kit.security import bearer_token

router = APIRouter(prefix="/api", tags=["auth"])


@router.post(
    "/login",
    response_model=LoginOut,
    summary="Sign in: a bearer token for the API",
    responses=error_responses(
        {
            401: "Wrong username or password",
            429: "Locked after too many wrong passwords, too many attempts from this address, "
            "or too many sign-ins at once (Retry-After says when to try again)",
        }
    ),
)
def login(
    body: LoginIn,
    ctx: ServiceContext = Depends(get_ctx),
    address: str = Depends(client_address),
) -> LoginOut:
    """Exchange a username and password for a token (``Authorization: Bearer <token>``)."""
    agent = agents.authenticate(ctx, body.username, body.password, address)
    token, _principal = sessions.create_session(ctx, agent.id, SessionKind.API)
    return LoginOut(token=token, expires_at=sessions.expires_at(ctx, token))


@router.post("/logout", status_code=204, summary="End this token's session")
def logout(
    request: Request,
    _principal: Principal = Depends(require_agent),
    ctx: ServiceContext = Depends(get_ctx),
) -> Response:
    """The token stops working at once."""
    sessions.revoke(ctx, bearer_token(request.headers.get("authorization")))
    return Response(status_code=204)


@router.get("/me", response_model=MeOut, summary="The signed-in agent")
def me(principal: Principal = Depends(require_agent)) -> MeOut:
    """Username, display name (what customers see) and role."""
    return MeOut(
        username=principal.username, display_name=principal.display_name, role=principal.role
    )
