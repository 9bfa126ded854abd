"""Shared pieces of the request/response shapes."""

from __future__ import annotations

from typing import Any, Optional

from pydantic import BaseModel


class ApiModel(BaseModel):
    """Base of request shapes: unknown fields are refused, not silently dropped."""

    class Config:
        extra = "forbid"
        anystr_strip_whitespace = True


class ResponseModel(BaseModel):
    """Base of response shapes."""

    class Config:
        orm_mode = True


class ErrorOut(BaseModel):
    """The JSON body of every error."""

    code: str
    message: str
    details: Optional[dict[str, Any]] = None


def clean_text(value: Optional[str]) -> Optional[str]:
    """Validator helper: refuse control characters (newline and tab allowed) in free text."""
    if value is None:
        return None
    if any((ord(ch) < 32 and ch not in "\n\t\r") or ord(ch) == 127 for ch in value):
        raise ValueError("must not contain control characters")
    return value


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Missing, wrong or expired token"},
    404: {"model": ErrorOut, "description": "No such ticket"},
    422: {"model": ErrorOut, "description": "Malformed input"},
}
