"""Customers, their payment methods and WeChat bindings."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import relationship

from backend.models.base import Base, UTCDateTime, one_of
from backend.models.enums import CustomerStatus, LockReason, MethodStatus, MethodType


class Customer(Base):
    """An eepay account holder with a wallet balance."""

    __tablename__ = "customers"

    id = Column(String(16), primary_key=True)
    name = Column(String(64), nullable=False)
    phone = Column(String(20), nullable=False, unique=True)
    email = Column(String(254), nullable=True)
    language = Column(String(16), nullable=False, default="zh-CN")
    status = Column(String(16), nullable=False, default=CustomerStatus.ACTIVE.value)
    lock_reason = Column(String(32), nullable=True)
    locked_at = Column(UTCDateTime, nullable=True)
    failed_login_count = Column(Integer, nullable=False, default=0)
    balance_fen = Column(BigInteger, nullable=False, default=0)
    # How much of the lifetime fee-free allowance for withdrawals and transfers to a bank card
    # (service_kit/policy.yml: fees) the customer has used; raised by each such withdrawal.
    free_withdrawal_used_fen = Column(BigInteger, nullable=False, default=0, server_default="0")
    password_hash = Column(String(255), nullable=True)
    password_changed_at = Column(UTCDateTime, nullable=True)
    created_at = Column(UTCDateTime, nullable=False)

    payment_methods = relationship(
        "PaymentMethod", back_populates="customer", order_by="PaymentMethod.id"
    )

    __table_args__ = (
        one_of("status", CustomerStatus),
        one_of("lock_reason", LockReason),
        CheckConstraint("balance_fen >= 0", name="balance_non_negative"),
        CheckConstraint("free_withdrawal_used_fen >= 0", name="free_withdrawal_used_non_negative"),
        CheckConstraint("failed_login_count >= 0", name="failed_logins_non_negative"),
    )


class PaymentMethod(Base):
    """A way a customer pays: the wallet balance, a debit card or a credit card."""

    __tablename__ = "payment_methods"

    id = Column(String(32), primary_key=True)
    customer_id = Column(String(16), ForeignKey("customers.id"), nullable=False, index=True)
    type = Column(String(16), nullable=False)
    bank = Column(String(64), nullable=True)
    last4 = Column(String(4), nullable=True)
    status = Column(String(16), nullable=False, default=MethodStatus.ACTIVE.value)
    single_limit_fen = Column(BigInteger, nullable=False)
    daily_limit_fen = Column(BigInteger, nullable=False)
    # Usage counted on the China calendar date in usage_date; another date means zero today.
    used_today_fen = Column(BigInteger, nullable=False, default=0)
    usage_date = Column(Date, nullable=True)
    frozen_at = Column(UTCDateTime, nullable=True)
    frozen_reason = Column(String(200), nullable=True)
    created_at = Column(UTCDateTime, nullable=False)

    customer = relationship("Customer", back_populates="payment_methods")

    __table_args__ = (
        one_of("type", MethodType),
        one_of("status", MethodStatus),
        CheckConstraint("single_limit_fen > 0", name="single_limit_positive"),
        CheckConstraint("daily_limit_fen > 0", name="daily_limit_positive"),
        CheckConstraint("used_today_fen >= 0", name="used_today_non_negative"),
    )


class WeChatBinding(Base):
    """A WeChat Official Account openid mapped to the eepay customer who owns it."""

    __tablename__ = "wechat_bindings"

    openid = Column(String(64), primary_key=True)
    customer_id = Column(String(16), ForeignKey("customers.id"), nullable=False, index=True)
    created_at = Column(UTCDateTime, nullable=False)
