"""The agent's browser session: its cookies, who is signed in, and the CSRF and origin checks.

Protections: a ``__Host-`` session cookie that is Secure, HttpOnly and SameSite=Lax, a
per-session CSRF token in every form (and a double-submit token on the login form, before there
is a session) plus an Origin check.
"""

from __future__ import annotations

from typing import Optional
from urllib.parse import urlsplit

from fastapi import Depends, Request

from desk.api.deps import get_ctx
from desk.core.errors import ForbiddenError, LoginRequired
from desk.core.settings import Settings
from desk.models.enums import SessionKind
from desk.services import sessions
from desk.services.context import ServiceContext
from desk.services.principal import Principal
from service_kit.security import same_origin, tokens_match


def session_cookie(settings: Settings) -> str:
    """``__Host-`` cookies must be Secure, path /, and no Domain: the browser enforces it."""
    return "__Host-desk_session" if settings.cookie_secure else "desk_session"


def login_csrf_cookie(settings: Settings) -> str:
    """The double-submit cookie of the login form."""
    return "__Host-desk_login_csrf" if settings.cookie_secure else "desk_login_csrf"


def page_principal(request: Request, ctx: ServiceContext = Depends(get_ctx)) -> Principal:
    """The agent of the browser session, who is active; without one, the login page (303)."""
    return _browser_principal(request, ctx, activity=True)


def poll_principal(request: Request, ctx: ServiceContext = Depends(get_ctx)) -> Principal:
    """The agent of the browser session for a page's background polling, which does not keep
    the session from going idle (desk/services/sessions.py)."""
    return _browser_principal(request, ctx, activity=False)


def _browser_principal(request: Request, ctx: ServiceContext, *, activity: bool) -> Principal:
    token = request.cookies.get(session_cookie(ctx.settings))
    principal = sessions.resolve(ctx, token, SessionKind.WEB, activity=activity)
    if principal is None:
        target = request.url.path
        if request.method == "GET" and request.url.query:
            target += "?" + request.url.query
        raise LoginRequired(target)
    return principal


def check_csrf(request: Request, principal: Principal, supplied: str) -> None:
    """The form's token must be this session's CSRF token (403 CSRF_FAILED otherwise)."""
    if not (principal.csrf_token and tokens_match(supplied, principal.csrf_token)):
        raise ForbiddenError("The form's CSRF token is missing or wrong.", code="CSRF_FAILED")
    if not same_origin(request):
        raise ForbiddenError("The form came from another site.", code="CSRF_FAILED")


def safe_next(target: Optional[str]) -> str:
    """Only paths of this site are followed after sign-in (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/queue"
    if urlsplit(target).scheme or urlsplit(target).netloc:
        return "/queue"
    return target
