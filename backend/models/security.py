"""Verification challenges, the code outbox and password-reset tokens."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)

from backend.models.base import Base, UTCDateTime, one_of
from backend.models.enums import (
    ChallengeStatus,
    VerificationChannel,
    VerificationPurpose,
)


class VerificationChallenge(Base):
    """One verification code sent to a customer, stored only as a keyed digest."""

    __tablename__ = "verification_challenges"

    id = Column(String(64), primary_key=True)
    customer_id = Column(String(16), ForeignKey("customers.id"), nullable=False)
    purpose = Column(String(16), nullable=False)
    channel = Column(String(8), nullable=False)
    destination = Column(String(254), nullable=False)
    code_digest = Column(String(64), nullable=False)
    status = Column(String(16), nullable=False, default=ChallengeStatus.PENDING.value)
    attempts = Column(Integer, nullable=False, default=0)
    max_attempts = Column(Integer, nullable=False)
    idempotency_key = Column(String(128), nullable=True)
    request_fingerprint = Column(String(64), nullable=True)
    created_at = Column(UTCDateTime, nullable=False)
    expires_at = Column(UTCDateTime, nullable=False)
    verified_at = Column(UTCDateTime, nullable=True)

    __table_args__ = (
        one_of("purpose", VerificationPurpose),
        one_of("channel", VerificationChannel),
        one_of("status", ChallengeStatus),
        CheckConstraint("attempts >= 0", name="attempts_non_negative"),
        UniqueConstraint("customer_id", "idempotency_key", name="uq_challenges_idempotency"),
        Index("ix_challenges_customer_created", "customer_id", "created_at"),
    )


class OutboxMessage(Base):
    """A message the sandbox "sent" by SMS or email; the demo reads codes from here."""

    __tablename__ = "outbox_messages"

    id = Column(Integer, primary_key=True, autoincrement=True)
    customer_id = Column(String(16), ForeignKey("customers.id"), nullable=False)
    challenge_id = Column(String(64), ForeignKey("verification_challenges.id"), nullable=True)
    channel = Column(String(8), nullable=False)
    destination = Column(String(254), nullable=False)
    code = Column(String(6), nullable=True)
    body = Column(Text, nullable=False)
    created_at = Column(UTCDateTime, nullable=False)

    __table_args__ = (Index("ix_outbox_customer_created", "customer_id", "created_at"),)


class ResetToken(Base):
    """A short-lived permission to set a new password, issued after a verified code."""

    __tablename__ = "reset_tokens"

    token_digest = Column(String(64), primary_key=True)
    customer_id = Column(String(16), ForeignKey("customers.id"), nullable=False, index=True)
    challenge_id = Column(String(64), ForeignKey("verification_challenges.id"), nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
    expires_at = Column(UTCDateTime, nullable=False)
    used_at = Column(UTCDateTime, nullable=True)
