"""Shared pieces of the request/response shapes."""

from __future__ import annotations

from typing import Any, Optional

from pydantic import BaseModel

CUSTOMER_ID_PATTERN = r"^u\d{4,12}$"
TRANSACTION_ID_PATTERN = r"^T\d{8,24}$"
REFUND_ID_PATTERN = r"^R\d{8,24}$"
DISPUTE_ID_PATTERN = r"^D\d{8,24}$"
CHALLENGE_ID_PATTERN = r"^[A-Za-z0-9_-]{16,64}$"
OPENID_PATTERN = r"^[A-Za-z0-9_-]{6,64}$"
IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9_.:-]{8,128}$"

# Amounts above ¥100,000,000.00 are refused as absurd before any lookup.
MAX_AMOUNT_FEN = 10_000_000_000


class ApiModel(BaseModel):
    """Base of every API shape: unknown request fields are refused, not silently dropped."""

    class Config:
        extra = "forbid"
        anystr_strip_whitespace = True


class ResponseModel(BaseModel):
    """Base of response shapes (tolerant on construction)."""

    class Config:
        orm_mode = True


class ErrorOut(BaseModel):
    """The JSON body of every error."""

    code: str
    message: str
    details: Optional[dict[str, Any]] = None


def _no_control_characters(value: str) -> str:
    if any(ord(ch) < 32 and ch not in "\n\t" or ord(ch) == 127 for ch in value):
        raise ValueError("must not contain control characters")
    return value


def clean_text(value: Optional[str]) -> Optional[str]:
    """Validator helper: refuse control characters in free text."""
    if value is None:
        return None
    return _no_control_characters(value)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Missing or wrong service token"},
    404: {"model": ErrorOut, "description": "Unknown customer or resource"},
    422: {"model": ErrorOut, "description": "Malformed input"},
}
