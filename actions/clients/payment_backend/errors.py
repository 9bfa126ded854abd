"""The failures of backend calls the actions handle, each carrying the backend's stable ``code``.

Every exception is a :class:`BackendError`; the subclass says what the caller can do about it
(try later, explain a policy refusal, ask for other input, or report a deployment mistake).
"""

from __future__ import annotations

from typing import Any, Optional


class BackendError(Exception):
    """Any failure talking to the backend; ``code`` is the backend's stable machine code."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "BACKEND_ERROR",
        status: Optional[int] = None,
        details: Optional[dict[str, Any]] = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.message = message
        self.code = code
        self.status = status
        self.details = details or {}


class BackendUnavailable(BackendError):
    """The backend did not answer in time, could not be reached, or failed (5xx)."""


class AuthenticationFailed(BackendError):
    """The service token was refused (a deployment mistake, not the customer's)."""


class NotFound(BackendError):
    """The customer, transaction, refund, dispute or binding does not exist."""


class InvalidRequest(BackendError):
    """The backend refused the input (400/413/422), e.g. WEAK_PASSWORD or VALIDATION_ERROR."""


class Conflict(BackendError):
    """The request conflicts with the current state (409/410)."""


class NotEligible(Conflict):
    """A policy refuses the operation; ``code`` names the rule (e.g. REFUND_WINDOW_EXPIRED)."""


class RateLimited(BackendError):
    """Too many requests of a kind (codes: 1 per minute, 10 per day)."""

    def __init__(self, message: str, *, retry_after_seconds: int, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after_seconds = retry_after_seconds


# 409 codes that are policy refusals the bot explains to the customer.
NOT_ELIGIBLE_CODES = frozenset(
    {
        "NOT_ELIGIBLE",
        "TRANSACTION_FAILED",
        "TRANSACTION_PENDING",
        "TRANSFER_NOT_REFUNDABLE",
        "NON_REFUNDABLE_CATEGORY",
        "REFUND_WINDOW_EXPIRED",
        "REFUND_IN_PROGRESS",
        "FULLY_REFUNDED",
        "AMOUNT_EXCEEDS_REMAINDER",
        "TRANSACTION_NOT_DISPUTABLE",
        "ACCOUNT_FROZEN",
    }
)
