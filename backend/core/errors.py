"""The backend's own errors: the refusals of a payment policy. Every other error type, and the
handlers that answer every error with the JSON error shape, are ``service_kit.errors``; codes
are part of the contract with the action server.
"""

from __future__ import annotations

from service_kit.errors import ConflictError


class NotEligibleError(ConflictError):
    """A policy refuses the operation; ``code`` says which rule (e.g. REFUND_WINDOW_EXPIRED)."""

    code = "NOT_ELIGIBLE"
