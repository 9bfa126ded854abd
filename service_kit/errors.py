"""Errors with stable machine-readable codes, and the handlers that turn exceptions into answers.

Every error a service returns has the shape ``{"code": "...", "message": "..."}`` with an
optional ``details`` object. Codes are part of the contracts between the services; never rename
one. Each service adds the error types only it raises and chooses how an error is answered (the
desk renders pages for people); the mapping of every exception onto a status and a code is here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Optional

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

__all__ = [
    "ApiError",
    "AuthRequiredError",
    "ConflictError",
    "ErrorResponder",
    "ForbiddenError",
    "InvalidRequestError",
    "NotFoundError",
    "RateLimitedError",
    "UpstreamError",
    "error_body",
    "error_response",
    "install_error_handlers",
    "json_error_responder",
]


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
    """Authenticated, but not allowed to do this."""

    status_code = 403
    code = "FORBIDDEN"


class NotFoundError(ApiError):
    """The addressed resource does not exist (or is not the caller's to see)."""

    status_code = 404
    code = "NOT_FOUND"


class ConflictError(ApiError):
    """The request is well-formed but conflicts with the current state."""

    status_code = 409
    code = "CONFLICT"


class InvalidRequestError(ApiError):
    """The input is well-formed but breaks a rule of the domain."""

    status_code = 422
    code = "VALIDATION_ERROR"


class RateLimitedError(ApiError):
    """Too many requests of a kind; ``retry_after_seconds`` says when to try again."""

    status_code = 429
    code = "RATE_LIMITED"

    def __init__(
        self, message: str, *, retry_after_seconds: int, code: Optional[str] = None
    ) -> None:
        retry = max(1, int(retry_after_seconds))
        super().__init__(
            message,
            code=code,
            details={"retry_after_seconds": retry},
            headers={"Retry-After": str(retry)},
        )
        self.retry_after_seconds = retry


class UpstreamError(ApiError):
    """A service this one depends on failed or could not be reached."""

    status_code = 502
    code = "UPSTREAM_ERROR"


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


# Answers one error: (request, status, code, message, details, headers) -> response.
ErrorResponder = Callable[
    [Request, int, str, str, Optional[dict[str, Any]], Optional[dict[str, str]]], Response
]


def json_error_responder(
    _request: Request,
    status_code: int,
    code: str,
    message: str,
    details: Optional[dict[str, Any]] = None,
    headers: Optional[dict[str, str]] = None,
) -> Response:
    """Answer every error with the JSON error shape (an API-only service)."""
    return error_response(status_code, code, message, details, headers)


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


def install_error_handlers(
    app: FastAPI,
    *,
    logger: logging.Logger,
    respond: ErrorResponder = json_error_responder,
    not_found_message: str = "No such endpoint.",
) -> None:
    """Map every exception FastAPI can raise onto a status and a stable code.

    ``respond`` builds the answer (JSON by default); ``logger`` is the service's own, so the
    database and unexpected errors reach its log handler.
    """

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return respond(request, exc.status_code, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        code, message, details = _validation_details(exc)
        return respond(request, 422, code, message, details, None)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = _HTTP_CODES.get(exc.status_code, "HTTP_ERROR")
        message = exc.detail if isinstance(exc.detail, str) else "Request failed."
        if exc.status_code == 404:
            message = not_found_message
        elif exc.status_code == 405:
            message = "Method not allowed on this endpoint."
        return respond(request, exc.status_code, code, message, None, exc.headers)

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
            None,
            {"Retry-After": "1"},
        )

    @app.exception_handler(IntegrityError)
    async def _integrity_conflict(request: Request, exc: IntegrityError) -> Response:
        # A unique key or a foreign key lost a race with a concurrent request.
        logger.warning("integrity conflict method=%s path=%s", request.method, request.url.path)
        return respond(
            request,
            409,
            "CONCURRENT_UPDATE",
            "The data changed concurrently; retry the request.",
            None,
            None,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        logger.exception("unhandled error method=%s path=%s", request.method, request.url.path)
        return respond(request, 500, "INTERNAL_ERROR", "An internal error occurred.", None, None)
