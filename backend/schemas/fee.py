"""Fee shapes: a customer's fee-free allowance (service_kit/policy.yml: fees)."""

from __future__ import annotations

from typing import Optional

from pydantic import Field

from backend.schemas.common import ResponseModel


class FeeAllowanceOut(ResponseModel):
    """The fee-free allowance for withdrawals and transfers to a bank card, and what is left.

    The allowance is for the account's whole life; beyond it the part over costs ``rate_bp``
    basis points of the amount (10 = 0.1 %), at least ``min_fee_fen``.
    """

    customer_id: str
    free_allowance_fen: int
    used_fen: int
    remaining_fen: int
    rate_bp: int
    min_fee_fen: int
    kinds: list[str] = Field(description="What draws on it: withdrawal, bank_transfer.")


class FeeQuoteOut(ResponseModel):
    """What one withdrawal or transfer of ``amount_fen`` would cost this customer now.

    ``fee_free_fen`` is the part the fee-free allowance covers (all of it for a free kind);
    ``allowance_left_fen`` what the allowance would have left after it (None for a free kind).
    """

    customer_id: str
    kind: str
    amount_fen: int
    fee_fen: int
    fee_free_fen: int
    allowance_left_fen: Optional[int]
