"""A fee asked for one amount: `提现5万手续费多少`, `转2万到银行卡收多少钱`.

The general fees answer states the rules; a signed-in customer who names an amount gets the fee
the backend computes for them (backend/services/fees.py, figures from service_kit/policy.yml),
with what is left of their fee-free allowance. Only withdrawals and transfers to a bank card are
quoted: those draw on the allowance the backend keeps. A credit-card repayment's monthly
allowance is not recorded, so its fee is never quoted as if none of it were used, and a
transfer that does not say it goes to a bank card may go to an eepay balance, which is free.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from rasa_sdk.executor import CollectingDispatcher

from actions.clients.payment_backend import BackendClient
from actions.i18n import text
from service_kit.amounts import find_amounts, yuan
from service_kit.language import to_simplified

WITHDRAWAL = "withdrawal"
BANK_TRANSFER = "bank_transfer"

# read on the Simplified, lower-cased message
_REPAYMENT = re.compile(r"还款|还信用卡|还卡|repay")
_WITHDRAWAL = re.compile(r"提现|取现|提出来|取出来|提到|取到|withdraw|cash ?out")
_TO_BANK_CARD = re.compile(r"(?:转|打).{0,8}(?:银行卡|储蓄卡|卡上|卡里)|to (?:a |my |an? )?bank")


# In a fee question any number is the amount (no ids or phone numbers are asked about), also a
# bare one the general amount reader leaves alone (`提现5万手续费`, `转2000到卡`): a run of
# digits or Chinese numerals, with its 万/千 multiplier, read as yuan.
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?\s*[万千kw]?|[零〇一二两三四五六七八九十百千万]+")


@dataclass(frozen=True)
class FeeQuestion:
    """The movement a customer asks the fee of: its kind and amount in fen."""

    kind: str
    amount_fen: int


def fee_question(message: str) -> Optional[FeeQuestion]:
    """The withdrawal or bank-card transfer of one amount the message asks about, else None."""
    words = to_simplified(message).lower()
    amounts = [a for number in _NUMBER.findall(words) for a in find_amounts(f"{number}元")]
    if len(amounts) != 1 or _REPAYMENT.search(words):
        return None  # no amount, several (which one?), or a repayment
    if _WITHDRAWAL.search(words):
        kind = WITHDRAWAL
    elif _TO_BANK_CARD.search(words):
        kind = BANK_TRANSFER
    else:
        return None
    return FeeQuestion(kind, int(amounts[0].value * 100))


async def answer_fee_question(
    question: FeeQuestion,
    customer_id: str,
    backend: BackendClient,
    dispatcher: CollectingDispatcher,
    language: str,
) -> None:
    """The customer's fee for ``question``, and the part their allowance covers."""
    quote = await backend.get_fee_quote(customer_id, question.kind, question.amount_fen)
    movement = text(f"fee_movement.{question.kind}", language, amount=yuan(quote.amount_fen))
    if quote.fee_fen == 0:
        dispatcher.utter_message(
            response="utter_knowledge_fee_quote_free",
            movement=movement,
            left=yuan(quote.allowance_left_fen or 0),
        )
    elif quote.fee_free_fen:
        dispatcher.utter_message(
            response="utter_knowledge_fee_quote_partly_free",
            movement=movement,
            fee=yuan(quote.fee_fen),
            free=yuan(quote.fee_free_fen),
            charged=yuan(quote.amount_fen - quote.fee_free_fen),
        )
    else:
        dispatcher.utter_message(
            response="utter_knowledge_fee_quote_charged", movement=movement, fee=yuan(quote.fee_fen)
        )
