"""eepay's published policies as code: refund eligibility, review time and arrival windows.

The figures come from ``service_kit/policy.yml`` (the one place the bot's answers are checked
against); this module applies them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from backend.core.clock import CHINA_TZ
from backend.models.enums import TransactionStatus, TransactionType
from service_kit.policy import POLICY

# Merchant categories whose goods cannot be returned (the customer terms, section "退款").
NON_REFUNDABLE_CATEGORIES = POLICY.refunds.non_refundable_categories

# Working days from approval until the money arrives, by original payment method; a method the
# policy does not name gets the slowest window rather than a promise too early.
ARRIVAL_WORKING_DAYS = POLICY.refunds.arrival_working_days
SLOWEST_ARRIVAL = max(ARRIVAL_WORKING_DAYS.values(), key=lambda window: window[1])

REFUNDABLE_STATUSES = (TransactionStatus.SUCCESS.value, TransactionStatus.PARTIALLY_REFUNDED.value)


def add_working_days(moment: datetime, days: int) -> datetime:
    """Move ``days`` working days (Monday to Friday, China time) forward, keeping the time of day.

    Zero days returns the moment itself. Public holidays are not modelled by the sandbox.
    """
    if days <= 0:
        return moment
    local = moment.astimezone(CHINA_TZ)
    remaining = days
    while remaining:
        local += timedelta(days=1)
        if local.weekday() < 5:
            remaining -= 1
    return local.astimezone(moment.tzinfo)


def arrival_window(method_type: str, start: datetime) -> tuple[datetime, datetime]:
    """Earliest and latest arrival of refunded money that leaves eepay at ``start``."""
    earliest, latest = ARRIVAL_WORKING_DAYS.get(method_type, SLOWEST_ARRIVAL)
    return add_working_days(start, earliest), add_working_days(start, latest)


@dataclass(frozen=True)
class Eligibility:
    """The result of the refund rules applied to one transaction."""

    eligible: bool
    reason_code: Optional[str]
    reason: Optional[str]
    refundable_fen: int


def refund_eligibility(
    *,
    status: str,
    type_: str,
    merchant_category: str,
    amount_fen: int,
    refunded_fen: int,
    in_progress_fen: int,
    refund_deadline_at: Optional[datetime],
    now: datetime,
    requested_fen: Optional[int] = None,
) -> Eligibility:
    """Apply the refund rules in the order a support agent checks them.

    1. the payment must have succeeded (failed and pending payments took no money yet);
    2. transfers to people are not refundable (the payee must send the money back);
    3. the merchant category must allow refunds (virtual goods do not);
    4. something must remain: amount minus refunded minus refunds under way;
    5. the request must be within the merchant's refund window;
    6. a partial amount may not exceed that remainder.
    """
    remainder = max(0, amount_fen - refunded_fen - in_progress_fen)

    def refuse(code: str, reason: str) -> Eligibility:
        return Eligibility(False, code, reason, 0)

    if status == TransactionStatus.FAILED.value:
        return refuse("TRANSACTION_FAILED", "The payment failed, so no money was taken.")
    if status == TransactionStatus.PENDING.value:
        return refuse(
            "TRANSACTION_PENDING",
            "The payment is still processing; if it fails the money returns automatically.",
        )
    if status == TransactionStatus.REFUNDED.value:
        return refuse("FULLY_REFUNDED", "The payment has already been refunded in full.")
    if type_ == TransactionType.TRANSFER.value:
        return refuse(
            "TRANSFER_NOT_REFUNDABLE",
            "Transfers to people cannot be refunded; the payee has to send the money back.",
        )
    if merchant_category in NON_REFUNDABLE_CATEGORIES:
        return refuse(
            "NON_REFUNDABLE_CATEGORY",
            f"Purchases in the category {merchant_category} are not refundable.",
        )
    if remainder == 0 and in_progress_fen > 0:
        return refuse(
            "REFUND_IN_PROGRESS",
            "A refund for the rest of this payment is already being processed.",
        )
    if remainder == 0:
        return refuse("FULLY_REFUNDED", "The payment has already been refunded in full.")
    if refund_deadline_at is None or now >= refund_deadline_at:
        return refuse("REFUND_WINDOW_EXPIRED", "The merchant's refund window has closed.")
    if requested_fen is not None and requested_fen > remainder:
        return Eligibility(
            False,
            "AMOUNT_EXCEEDS_REMAINDER",
            f"At most {remainder} fen of this payment can still be refunded.",
            remainder,
        )
    return Eligibility(True, None, None, remainder)
