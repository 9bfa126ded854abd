"""eepay's published fees as code: what a withdrawal, a transfer or a repayment costs.

The figures come from ``service_kit/policy.yml`` (``fees``), the file the bot's answers are
checked against (tests/test_policy_consistency.py), so the fee the backend computes and the fee
the bot quotes cannot drift apart. Withdrawals to a bank card and transfers to a bank card
share one fee-free allowance per customer for the account's whole life; credit-card repayments
have a monthly one; transfers to another eepay balance and top-ups are free.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Optional

from backend.schemas.fee import FeeAllowanceOut, FeeQuoteOut
from backend.services.context import ServiceContext
from backend.services.customers import load_customer
from service_kit.enums import StrEnum
from service_kit.errors import InvalidRequestError
from service_kit.policy import POLICY

BASIS_POINTS = 10_000  # in a whole


class FeeKind(StrEnum):
    """A movement of money a fee may apply to."""

    WITHDRAWAL = "withdrawal"  # the balance to one's own bank card
    BANK_TRANSFER = "bank_transfer"  # to anyone's bank card
    CREDIT_CARD_REPAYMENT = "credit_card_repayment"
    BALANCE_TRANSFER = "balance_transfer"  # to another eepay balance
    TOP_UP = "top_up"


@dataclass(frozen=True)
class FeeRule:
    """An allowance that is free, then a rate on the part beyond it, at least a minimum."""

    free_allowance_fen: int
    rate_bp: int
    min_fee_fen: int


BANK_CARD = FeeRule(
    POLICY.fees.bank_card_free_allowance_fen,
    POLICY.fees.bank_card_rate_bp,
    POLICY.fees.bank_card_min_fee_fen,
)
REPAYMENT = FeeRule(POLICY.fees.repayment_free_monthly_fen, POLICY.fees.repayment_rate_bp, 0)
# the kinds that cost a fee and their rule; the policy names the free ones
RULES: dict[FeeKind, FeeRule] = {
    FeeKind.WITHDRAWAL: BANK_CARD,
    FeeKind.BANK_TRANSFER: BANK_CARD,
    FeeKind.CREDIT_CARD_REPAYMENT: REPAYMENT,
}
FREE_KINDS = frozenset(FeeKind(kind) for kind in POLICY.fees.free_kinds)
if FREE_KINDS | set(RULES) != set(FeeKind):
    # a kind neither priced here nor free in the policy would have no fee to quote
    raise ValueError(f"no fee for {sorted(set(FeeKind) - FREE_KINDS - set(RULES))}")


@dataclass(frozen=True)
class FeeQuote:
    """What one movement of ``amount_fen`` costs, and the allowance it leaves."""

    kind: FeeKind
    amount_fen: int
    fee_fen: int
    fee_free_fen: int  # the part of the amount the allowance covered (all of it when free)
    allowance_left_fen: Optional[int]  # after this movement; None for a kind without allowance


def quote_fee(kind: str, amount_fen: int, used_allowance_fen: int = 0) -> FeeQuote:
    """The fee of moving ``amount_fen`` of ``kind`` when ``used_allowance_fen`` of its fee-free
    allowance is already used (the whole life for bank cards, this month for repayments).

    Only the part beyond the allowance pays: a ¥1,000.00 withdrawal with ¥400.00 of allowance
    left pays the rate on ¥600.00. The fee is rounded to the fen, half up, and is at least the
    rule's minimum whenever some part pays. ``ValueError`` for an unknown kind or an amount
    that is not positive.
    """
    fee_kind = FeeKind(kind)
    if amount_fen <= 0 or used_allowance_fen < 0:
        raise ValueError(f"amount {amount_fen} and used allowance {used_allowance_fen} fen")
    if fee_kind in FREE_KINDS:
        return FeeQuote(fee_kind, amount_fen, 0, amount_fen, None)
    rule = RULES[fee_kind]
    left = max(0, rule.free_allowance_fen - used_allowance_fen)
    free = min(amount_fen, left)
    charged = amount_fen - free
    fee = 0
    if charged:
        exact = Decimal(charged * rule.rate_bp) / BASIS_POINTS
        fee = max(rule.min_fee_fen, int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)))
    return FeeQuote(fee_kind, amount_fen, fee, free, left - free)


def fee_allowance(ctx: ServiceContext, customer_id: str) -> FeeAllowanceOut:
    """A customer's fee-free allowance for withdrawals and transfers to a bank card."""
    with ctx.db.session() as session:
        used = load_customer(session, customer_id).free_withdrawal_used_fen
    return FeeAllowanceOut(
        customer_id=customer_id,
        free_allowance_fen=BANK_CARD.free_allowance_fen,
        used_fen=used,
        remaining_fen=max(0, BANK_CARD.free_allowance_fen - used),
        rate_bp=BANK_CARD.rate_bp,
        min_fee_fen=BANK_CARD.min_fee_fen,
        kinds=[FeeKind.WITHDRAWAL, FeeKind.BANK_TRANSFER],
    )


# What the backend can quote for a customer: the kinds whose allowance it keeps (bank-card
# withdrawals and transfers) and the free ones. Credit-card repayments have a monthly
# allowance the sandbox keeps no record of, so their fee is never quoted as if none were used.
QUOTABLE_KINDS = frozenset(kind for kind, rule in RULES.items() if rule is BANK_CARD) | FREE_KINDS


def customer_fee_quote(
    ctx: ServiceContext, customer_id: str, kind: FeeKind, amount_fen: int
) -> FeeQuoteOut:
    """The fee this customer would pay now for moving ``amount_fen`` of ``kind``."""
    if kind not in QUOTABLE_KINDS:
        raise InvalidRequestError(f"the fee of {kind} is not quoted per customer")
    with ctx.db.session() as session:
        used = load_customer(session, customer_id).free_withdrawal_used_fen
    quote = quote_fee(kind, amount_fen, used if kind in RULES else 0)
    return FeeQuoteOut(
        customer_id=customer_id,
        kind=quote.kind,
        amount_fen=quote.amount_fen,
        fee_fen=quote.fee_fen,
        fee_free_fen=quote.fee_free_fen,
        allowance_left_fen=quote.allowance_left_fen,
    )
