"""Errors with stable machine-readable codes, as JSON for the API and as pages for people.

Every API error has the shape ``{"code": "...", "message": "..."}`` with an optional ``details``
object. The same exceptions raised under a page route render the error page instead, and a page
request without a session is redirected to the login page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Optional
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from desk.core.metrics import ERRORS

logger = logging.getLogger("desk.errors")

JSON_PREFIXES = ("/api/", "/healthz", "/metrics")


class ApiError(Exception):
    """An error that maps to one HTTP status and one stable code."""

    status_code = 400
    code = "BAD_REQUEST"

    def __init__(
        self,
        message: str,
        *,
        code: Optional[str] = None,
        status_code: Optional[int] = None,
        details: Optional[dict[str, Any]] = None,
        headers: Optional[dict[str, str]] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status_code is not None:
            self.status_code = status_code
        self.details = details
        self.headers = headers


class AuthRequiredError(ApiError):
    """No valid session or token."""

    status_code = 401
    code = "AUTH_REQUIRED"

    def __init__(self, message: str, *, code: Optional[str] = None) -> None:
        super().__init__(message, code=code, headers={"WWW-Authenticate": "Bearer"})


class ForbiddenError(ApiError):
    """Signed in, but not allowed to do this (role, another agent's ticket, CSRF)."""

    status_code = 403
    code = "FORBIDDEN"


class NotFoundError(ApiError):
    """The addressed resource does not exist."""

    status_code = 404
    code = "NOT_FOUND"


class ConflictError(ApiError):
    """The request is well-formed but conflicts with the current state."""

    status_code = 409
    code = "CONFLICT"


class InvalidRequestError(ApiError):
    """The input is well-formed but breaks a rule."""

    status_code = 422
    code = "VALIDATION_ERROR"


class RateLimitedError(ApiError):
    """Too many attempts; ``retry_after_seconds`` says when to try again."""

    status_code = 429
    code = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after_seconds: int, code: Optional[str] = None):
        retry = max(1, int(retry_after_seconds))
        super().__init__(
            message,
            code=code,
            details={"retry_after_seconds": retry},
            headers={"Retry-After": str(retry)},
        )


class UpstreamError(ApiError):
    """A service the desk depends on (Rasa) failed or could not be reached."""

    status_code = 502
    code = "UPSTREAM_ERROR"


class LoginRequired(Exception):
    """A page was requested without a session: redirect to the login page."""

    def __init__(self, next_path: str = "/") -> None:
        super().__init__(next_path)
        self.next_path = next_path


def error_body(code: str, message: str, details: Optional[dict[str, Any]] = None) -> dict:
    """The JSON body of every error response."""
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return body


def error_response(
    status_code: int,
    code: str,
    message: str,
    details: Optional[dict[str, Any]] = None,
    headers: Optional[dict[str, str]] = None,
) -> JSONResponse:
    """Build a JSON error response."""
    return JSONResponse(
        status_code=status_code, content=error_body(code, message, details), headers=headers
    )


_HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "AUTH_REQUIRED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


def _validation_details(exc: RequestValidationError) -> tuple[str, str, dict[str, Any]]:
    """Summarise pydantic errors without echoing the caller's input back."""
    errors = []
    json_invalid = False
    for err in exc.errors():
        err_type = str(err.get("type", ""))
        if err_type in ("json_invalid", "value_error.jsondecode"):
            json_invalid = True
        loc = [str(part) for part in err.get("loc", ())]
        errors.append({"loc": loc, "msg": str(err.get("msg", "")), "type": err_type})
    if json_invalid:
        return "INVALID_JSON", "The request body is not valid JSON.", {"errors": errors}
    first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
    where = ".".join(part for part in first["loc"] if part not in ("body", "query", "path"))
    message = f"Invalid request: {where + ': ' if where else ''}{first['msg']}"
    return "VALIDATION_ERROR", message, {"errors": errors}


PageRenderer = Callable[[Request, int, str, str], Response]


def wants_json(request: Request) -> bool:
    """API routes (and anything that is not a page) answer errors in JSON."""
    return request.url.path.startswith(JSON_PREFIXES)


def install_error_handlers(app: FastAPI, render_page: PageRenderer) -> None:
    """Map every exception onto the JSON error shape, or onto the error page for pages."""

    def respond(
        request: Request,
        status: int,
        code: str,
        message: str,
        details: Optional[dict[str, Any]] = None,
        headers: Optional[dict[str, str]] = None,
    ) -> Response:
        ERRORS.labels(code).inc()
        if wants_json(request):
            return error_response(status, code, message, details, headers)
        response = render_page(request, status, code, message)
        for name, value in (headers or {}).items():
            if name.lower() != "www-authenticate":
                response.headers[name] = value
        return response

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.next_path, safe='/')}", status_code=303)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return respond(request, exc.status_code, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        code, message, details = _validation_details(exc)
        return respond(request, 422, code, message, details)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = _HTTP_CODES.get(exc.status_code, "HTTP_ERROR")
        message = exc.detail if isinstance(exc.detail, str) else "Request failed."
        if exc.status_code == 404:
            message = "No such page or endpoint."
        elif exc.status_code == 405:
            message = "Method not allowed here."
        return respond(request, exc.status_code, code, message, headers=exc.headers)

    @app.exception_handler(OperationalError)
    async def _database_unavailable(request: Request, exc: OperationalError) -> Response:
        logger.error(
            "database error method=%s path=%s: %s", request.method, request.url.path, exc.orig
        )
        return respond(
            request,
            503,
            "DATABASE_UNAVAILABLE",
            "The database is unavailable or busy; retry shortly.",
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(IntegrityError)
    async def _integrity_conflict(request: Request, exc: IntegrityError) -> Response:
        logger.warning("integrity conflict method=%s path=%s", request.method, request.url.path)
        return respond(request, 409, "CONCURRENT_UPDATE", "The data changed concurrently; retry.")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        logger.exception("unhandled error method=%s path=%s", request.method, request.url.path)
        return respond(request, 500, "INTERNAL_ERROR", "An internal error occurred.")
