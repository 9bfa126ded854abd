"""The bases of every request and response shape, the error shape and its OpenAPI entries, and
free-text checks."""

from __future__ import annotations

from typing import Any, Optional

from pydantic import BaseModel, constr

from service_kit.passwords import MAX_PASSWORD_LENGTH


class ApiModel(BaseModel):
    """Base of request shapes: unknown fields are refused, not silently dropped."""

    class Config:
        extra = "forbid"
        anystr_strip_whitespace = True


Password = constr(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class PasswordForm(ApiModel):
    """Base of request shapes that carry a password: no field is stripped of white space, so
    the password checked is exactly the one typed."""

    class Config:
        anystr_strip_whitespace = False


class ResponseModel(BaseModel):
    """Base of response shapes (built from ORM rows, tolerant on construction)."""

    class Config:
        orm_mode = True


class ErrorOut(BaseModel):
    """The JSON body of every error (``service_kit.errors``)."""

    code: str
    message: str
    details: Optional[dict[str, Any]] = None


def error_responses(descriptions: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for errors answered with :class:`ErrorOut`: for each status,
    what it means on this route."""
    return {
        status: {"model": ErrorOut, "description": description}
        for status, description in descriptions.items()
    }


def refuse_control_characters(value: Optional[str], allowed: str = "\n\t") -> Optional[str]:
    """Validator helper: refuse control characters in free text, except those in ``allowed``.

    They have no place in a message a person wrote, and would let a value forge lines in a log
    or a transcript.
    """
    if value is None:
        return None
    if any((ord(ch) < 32 and ch not in allowed) or ord(ch) == 127 for ch in value):
        raise ValueError("must not contain control characters")
    return value
