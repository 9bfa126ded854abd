"""The free-text check and error documentation of the desk's API shapes (the base models are
``service_kit.schemas``)."""

from __future__ import annotations

from typing import Optional

from service_kit.schemas import (
    ApiModel,
    ErrorOut,
    ResponseModel,
    error_responses,
    refuse_control_characters,
)

__all__ = ["ERROR_RESPONSES", "ApiModel", "ErrorOut", "ResponseModel", "clean_text"]


def clean_text(value: Optional[str]) -> Optional[str]:
    """Validator helper: refuse control characters in free text; newline, tab and carriage
    return are allowed (browsers send a form's line breaks as CR LF)."""
    return refuse_control_characters(value, allowed="\n\t\r")


ERROR_RESPONSES = error_responses(
    {401: "Missing, wrong or expired token", 404: "No such ticket", 422: "Malformed input"}
)
