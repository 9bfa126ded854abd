"""Dispute cases opened for transactions."""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, String, UniqueConstraint

from backend.models.base import Base, UTCDateTime, one_of
from backend.models.enums import DisputeStatus, DisputeType, Priority


class Dispute(Base):
    """A customer's case that money left the account when it should not have."""

    __tablename__ = "disputes"

    id = Column(String(32), primary_key=True)
    customer_id = Column(String(16), ForeignKey("customers.id"), nullable=False, index=True)
    transaction_id = Column(String(32), ForeignKey("transactions.id"), nullable=False, index=True)
    type = Column(String(24), nullable=False)
    status = Column(String(16), nullable=False)
    priority = Column(String(8), nullable=False)
    description = Column(String(500), nullable=True)
    related_transaction_ids = Column(JSON, nullable=False, default=list)
    frozen_payment_method_ids = Column(JSON, nullable=False, default=list)
    idempotency_key = Column(String(128), nullable=True)
    request_fingerprint = Column(String(64), nullable=True)
    created_at = Column(UTCDateTime, nullable=False)
    updated_at = Column(UTCDateTime, nullable=False)

    __table_args__ = (
        one_of("type", DisputeType),
        one_of("status", DisputeStatus),
        one_of("priority", Priority),
        UniqueConstraint("customer_id", "idempotency_key", name="uq_disputes_idempotency"),
    )
