"""Signing in and out of the desk in a browser.

The login form carries a double-submit CSRF token (a cookie and a form field), since there is no
session yet to hold one; a failed sign-in answers the form again with an error code's text.
"""

from __future__ import annotations

from typing import Optional

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from desk.api.deps import client_address, get_ctx
from desk.api.pages.browser_session import (
    check_csrf,
    login_csrf_cookie,
    page_principal,
    safe_next,
    session_cookie,
)
from desk.api.pages.labels import ERRORS
from desk.api.pages.rendering import Pages, get_pages
from desk.core.errors import ApiError, RateLimitedError
from desk.models.enums import SessionKind
from desk.services import agents, sessions
from desk.services.context import ServiceContext
from desk.services.principal import Principal
from service_kit.passwords import MAX_PASSWORD_LENGTH
from service_kit.security import double_submit_ok, new_token

router = APIRouter(include_in_schema=False)
LOGIN_PATH = "/login"


def _login_page(
    pages: Pages,
    ctx: ServiceContext,
    *,
    next_path: str,
    status_code: int = 200,
    error: Optional[str] = None,
) -> Response:
    token = new_token()
    response = pages.render(
        "login.html",
        status_code=status_code,
        login_csrf=token,
        next_path=next_path,
        error=ERRORS.get(error or "", None) if error else None,
    )
    response.set_cookie(
        login_csrf_cookie(ctx.settings),
        token,
        max_age=1800,
        path="/",
        secure=ctx.settings.cookie_secure,
        httponly=True,
        samesite="strict",
    )
    return response


@router.get(LOGIN_PATH)
def login_page(
    request: Request,
    next: str = Query("/queue", max_length=512),
    ctx: ServiceContext = Depends(get_ctx),
    pages: Pages = Depends(get_pages),
) -> Response:
    """The sign-in form (already signed in: straight on)."""
    token = request.cookies.get(session_cookie(ctx.settings))
    if sessions.resolve(ctx, token, SessionKind.WEB) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(pages, ctx, next_path=safe_next(next))


@router.post(LOGIN_PATH)
def login_submit(
    request: Request,
    username: str = Form("", max_length=64),
    password: str = Form("", max_length=MAX_PASSWORD_LENGTH),
    csrf_token: str = Form("", max_length=128),
    next: str = Form("/queue", max_length=512),
    ctx: ServiceContext = Depends(get_ctx),
    pages: Pages = Depends(get_pages),
    address: str = Depends(client_address),
) -> Response:
    """Check the form's CSRF token and the credentials; start a browser session."""
    next_path = safe_next(next)
    if not double_submit_ok(request, login_csrf_cookie(ctx.settings), csrf_token):
        return _login_page(pages, ctx, next_path=next_path, status_code=403, error="CSRF_FAILED")
    try:
        agent = agents.authenticate(ctx, username, password, address)
    except ApiError as error:
        page = _login_page(
            pages, ctx, next_path=next_path, status_code=error.status_code, error=error.code
        )
        if isinstance(error, RateLimitedError):
            page.headers["Retry-After"] = str(error.retry_after_seconds)
        return page
    token, _principal = sessions.create_session(ctx, agent.id, SessionKind.WEB)
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        session_cookie(ctx.settings),
        token,
        max_age=ctx.settings.session_ttl_minutes * 60,
        path="/",
        secure=ctx.settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )
    response.delete_cookie(
        login_csrf_cookie(ctx.settings),
        path="/",
        secure=ctx.settings.cookie_secure,
        httponly=True,
        samesite="strict",
    )
    return response


@router.post("/logout")
def logout(
    request: Request,
    csrf_token: str = Form("", max_length=128),
    principal: Principal = Depends(page_principal),
    ctx: ServiceContext = Depends(get_ctx),
) -> Response:
    """End the browser session."""
    check_csrf(request, principal, csrf_token)
    sessions.revoke(ctx, request.cookies.get(session_cookie(ctx.settings)))
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    response.delete_cookie(
        session_cookie(ctx.settings), path="/", secure=ctx.settings.cookie_secure, httponly=True
    )
    return response
