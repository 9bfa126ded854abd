"""Merchants and the transactions customers make with them."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import relationship

from backend.models.base import Base, UTCDateTime, one_of
from backend.models.enums import FailureCode, TransactionStatus, TransactionType


class Merchant(Base):
    """A payee business with its category and refund window."""

    __tablename__ = "merchants"

    id = Column(String(32), primary_key=True)
    name = Column(String(128), nullable=False)
    category = Column(String(32), nullable=False)
    refund_window_days = Column(Integer, nullable=False)

    __table_args__ = (CheckConstraint("refund_window_days >= 0", name="refund_window"),)


class Transaction(Base):
    """A payment or transfer attempt and its outcome."""

    __tablename__ = "transactions"

    id = Column(String(32), primary_key=True)
    customer_id = Column(String(16), ForeignKey("customers.id"), nullable=False)
    type = Column(String(16), nullable=False)
    merchant_id = Column(String(32), ForeignKey("merchants.id"), nullable=True)
    payee = Column(String(128), nullable=False)
    # Copied from the merchant at payment time ("p2p_transfer" for transfers to people).
    merchant_category = Column(String(32), nullable=False)
    amount_fen = Column(BigInteger, nullable=False)
    currency = Column(String(3), nullable=False, default="CNY")
    payment_method_id = Column(String(32), ForeignKey("payment_methods.id"), nullable=False)
    status = Column(String(24), nullable=False)
    failure_code = Column(String(32), nullable=True)
    refunded_fen = Column(BigInteger, nullable=False, default=0)
    created_at = Column(UTCDateTime, nullable=False)
    updated_at = Column(UTCDateTime, nullable=False)
    # Pending payments: when the processing result is due at the latest.
    settles_by = Column(UTCDateTime, nullable=True)
    # Merchant payments: created_at plus the merchant's refund window (None for transfers).
    refund_deadline_at = Column(UTCDateTime, nullable=True)

    merchant = relationship("Merchant")
    payment_method = relationship("PaymentMethod")

    __table_args__ = (
        one_of("type", TransactionType),
        one_of("status", TransactionStatus),
        one_of("failure_code", FailureCode),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint(
            "refunded_fen >= 0 AND refunded_fen <= amount_fen", name="refunded_within_amount"
        ),
        Index("ix_transactions_customer_created", "customer_id", "created_at"),
    )
