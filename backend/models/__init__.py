"""SQLAlchemy tables of the backend; importing this package registers all of them."""

from backend.models.base import Base, metadata
from backend.models.customer import Customer, PaymentMethod, WeChatBinding
from backend.models.dispute import Dispute
from backend.models.refund import Refund
from backend.models.security import OutboxMessage, ResetToken, VerificationChallenge
from backend.models.transaction import Merchant, Transaction

__all__ = [
    "Base",
    "Customer",
    "Dispute",
    "Merchant",
    "OutboxMessage",
    "PaymentMethod",
    "Refund",
    "ResetToken",
    "Transaction",
    "VerificationChallenge",
    "WeChatBinding",
    "metadata",
]
