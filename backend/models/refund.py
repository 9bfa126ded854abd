"""Refunds and their review lifecycle."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from backend.models.base import Base, UTCDateTime, one_of
from backend.models.enums import RefundStatus


class Refund(Base):
    """Money returned for (part of) a transaction along its original route."""

    __tablename__ = "refunds"

    id = Column(String(32), primary_key=True)
    customer_id = Column(String(16), ForeignKey("customers.id"), nullable=False, index=True)
    transaction_id = Column(String(32), ForeignKey("transactions.id"), nullable=False, index=True)
    payment_method_id = Column(String(32), ForeignKey("payment_methods.id"), nullable=False)
    amount_fen = Column(BigInteger, nullable=False)
    reason = Column(String(200), nullable=False)
    status = Column(String(16), nullable=False)
    rejection_reason = Column(String(200), nullable=True)
    idempotency_key = Column(String(128), nullable=True)
    request_fingerprint = Column(String(64), nullable=True)
    submitted_at = Column(UTCDateTime, nullable=False)
    review_due_at = Column(UTCDateTime, nullable=False)
    review_started_at = Column(UTCDateTime, nullable=True)
    reviewed_at = Column(UTCDateTime, nullable=True)
    refunded_at = Column(UTCDateTime, nullable=True)
    updated_at = Column(UTCDateTime, nullable=False)

    transaction = relationship("Transaction")
    payment_method = relationship("PaymentMethod")

    __table_args__ = (
        one_of("status", RefundStatus),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        UniqueConstraint("customer_id", "idempotency_key", name="uq_refunds_idempotency"),
    )
