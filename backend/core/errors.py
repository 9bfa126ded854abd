"""JSON errors with stable machine-readable codes.

Every error the API returns has the shape ``{"code": "...", "message": "..."}`` with an optional
``details`` object. Codes are part of the contract with the action server; never rename one.
"""

from __future__ import annotations

import logging
from typing import Any, Optional

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger("backend.errors")


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


class NotFoundError(ApiError):
    """The addressed resource does not exist (or is not the caller's to see)."""

    status_code = 404
    code = "NOT_FOUND"


class ConflictError(ApiError):
    """The request is well-formed but conflicts with the current state."""

    status_code = 409
    code = "CONFLICT"


class NotEligibleError(ConflictError):
    """A policy refuses the operation; ``code`` says which rule (e.g. REFUND_WINDOW_EXPIRED)."""

    code = "NOT_ELIGIBLE"


class InvalidRequestError(ApiError):
    """The input is well-formed JSON but breaks a rule of the domain."""

    status_code = 422
    code = "VALIDATION_ERROR"


class RateLimitedError(ApiError):
    """Too many requests of a kind; ``retry_after_seconds`` says when to try again."""

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
        self.retry_after_seconds = retry


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


def install_error_handlers(app: FastAPI) -> None:
    """Map every exception FastAPI can raise onto the JSON error shape."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status_code, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        code, message, details = _validation_details(exc)
        return error_response(422, code, message, details)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "HTTP_ERROR")
        message = exc.detail if isinstance(exc.detail, str) else "Request failed."
        if exc.status_code == 404:
            message = "No such endpoint."
        elif exc.status_code == 405:
            message = "Method not allowed on this endpoint."
        return error_response(exc.status_code, code, message, headers=exc.headers)

    @app.exception_handler(OperationalError)
    async def _database_unavailable(request: Request, exc: OperationalError) -> JSONResponse:
        logger.error(
            "database error method=%s path=%s: %s", request.method, request.url.path, exc.orig
        )
        return error_response(
            503,
            "DATABASE_UNAVAILABLE",
            "The database is unavailable or busy; retry shortly.",
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(IntegrityError)
    async def _integrity_conflict(request: Request, exc: IntegrityError) -> JSONResponse:
        logger.warning("integrity conflict method=%s path=%s", request.method, request.url.path)
        return error_response(
            409, "CONCURRENT_UPDATE", "The data changed concurrently; retry the request."
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error method=%s path=%s", request.method, request.url.path)
        return error_response(500, "INTERNAL_ERROR", "An internal error occurred.")
