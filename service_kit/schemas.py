"""The bases of every request and response shape, the error shape and its OpenAPI entries, and
free-text checks."""

from __future__ import annotations

import dataclasses
from typing import Any, Optional, TypeVar

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


Shape = TypeVar("Shape")


def from_attributes(shape: type[Shape], source: Any, **derived: Any) -> Shape:
    """``shape`` (a response model or a dataclass) built from ``source``, most often a table row.

    Each field not in ``derived`` takes the source's attribute of the same name (a field the
    source has no attribute for keeps the shape's default), so a view names only what it
    computes, masks or renames, and a column added to both the table and the shape needs no code
    here.
    """
    if dataclasses.is_dataclass(shape):
        names = [field.name for field in dataclasses.fields(shape)]
    else:
        names = list(shape.__fields__)  # type: ignore[attr-defined]
    copied = {
        name: getattr(source, name)
        for name in names
        if name not in derived and hasattr(source, name)
    }
    return shape(**copied, **derived)


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
