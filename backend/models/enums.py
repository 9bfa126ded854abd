"""Closed value sets of the domain, shared by tables, schemas and services."""

from __future__ import annotations

from service_kit.enums import StrEnum


class CustomerStatus(StrEnum):
    ACTIVE = "active"
    LOCKED = "locked"
    FROZEN = "frozen"


class LockReason(StrEnum):
    TOO_MANY_FAILED_LOGINS = "too_many_failed_logins"
    RISK_CONTROL = "risk_control"
    CUSTOMER_REQUEST = "customer_request"


class MethodType(StrEnum):
    BALANCE = "balance"
    DEBIT_CARD = "debit_card"
    CREDIT_CARD = "credit_card"


class MethodStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    FROZEN = "frozen"


class TransactionType(StrEnum):
    PAYMENT = "payment"
    TRANSFER = "transfer"


class TransactionStatus(StrEnum):
    SUCCESS = "success"
    FAILED = "failed"
    PENDING = "pending"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"


class FailureCode(StrEnum):
    INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
    INVALID_PAYEE = "INVALID_PAYEE"
    METHOD_UNAVAILABLE = "METHOD_UNAVAILABLE"
    NETWORK_TIMEOUT = "NETWORK_TIMEOUT"
    RISK_CONTROL = "RISK_CONTROL"
    WRONG_PAY_PASSWORD = "WRONG_PAY_PASSWORD"


class RefundStatus(StrEnum):
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    REFUNDED = "refunded"
    REJECTED = "rejected"


class VerificationChannel(StrEnum):
    SMS = "sms"
    EMAIL = "email"


class VerificationPurpose(StrEnum):
    PASSWORD_RESET = "password_reset"
    UNLOCK = "unlock"


class ChallengeStatus(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    EXHAUSTED = "exhausted"
    SUPERSEDED = "superseded"


class DisputeType(StrEnum):
    UNAUTHORIZED = "unauthorized"
    DUPLICATE_CHARGE = "duplicate_charge"
    WRONG_AMOUNT = "wrong_amount"
    MERCHANT_ISSUE = "merchant_issue"


class DisputeStatus(StrEnum):
    OPEN = "open"
    INVESTIGATING = "investigating"
    RESOLVED = "resolved"
    REJECTED = "rejected"


class Priority(StrEnum):
    NORMAL = "normal"
    HIGH = "high"
