"""The identifier formats, limits and error documentation of the backend's API shapes (the
base models are ``service_kit.schemas``)."""

from __future__ import annotations

from typing import Optional

from service_kit.schemas import (
    ApiModel,
    ErrorOut,
    ResponseModel,
    error_responses,
    refuse_control_characters,
)

__all__ = [
    "CHALLENGE_ID_PATTERN",
    "CUSTOMER_ID_PATTERN",
    "DISPUTE_ID_PATTERN",
    "ERROR_RESPONSES",
    "IDEMPOTENCY_KEY_PATTERN",
    "MAX_AMOUNT_FEN",
    "OPENID_PATTERN",
    "REFUND_ID_PATTERN",
    "TRANSACTION_ID_PATTERN",
    "ApiModel",
    "ErrorOut",
    "ResponseModel",
    "clean_text",
]

CUSTOMER_ID_PATTERN = r"^u\d{4,12}$"
TRANSACTION_ID_PATTERN = r"^T\d{8,24}$"
REFUND_ID_PATTERN = r"^R\d{8,24}$"
DISPUTE_ID_PATTERN = r"^D\d{8,24}$"
CHALLENGE_ID_PATTERN = r"^[A-Za-z0-9_-]{16,64}$"
OPENID_PATTERN = r"^[A-Za-z0-9_-]{6,64}$"
IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9_.:-]{8,128}$"

# Amounts above ¥100,000,000.00 are refused as absurd before any lookup.
MAX_AMOUNT_FEN = 10_000_000_000


def clean_text(value: Optional[str]) -> Optional[str]:
    """Validator helper: refuse control characters (newline and tab allowed) in free text."""
    return refuse_control_characters(value)


ERROR_RESPONSES = error_responses(
    {
        401: "Missing or wrong service token",
        404: "Unknown customer or resource",
        422: "Malformed input",
    }
)
