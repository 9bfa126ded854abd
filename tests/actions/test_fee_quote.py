"""Reading a fee question for one amount (actions/fee_quote.py)."""

from __future__ import annotations

import pytest

from actions.fee_quote import BANK_TRANSFER, WITHDRAWAL, FeeQuestion, fee_question


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("提现5万手续费多少", FeeQuestion(WITHDRAWAL, 5_000_000)),
        ("我想把余额1200块取到卡上 收多少", FeeQuestion(WITHDRAWAL, 120_000)),
        ("提現三千要手續費嗎", FeeQuestion(WITHDRAWAL, 300_000)),
        ("转2000到银行卡收钱吗", FeeQuestion(BANK_TRANSFER, 200_000)),
        ("给我妈转8000到她的储蓄卡 手续费呢", FeeQuestion(BANK_TRANSFER, 800_000)),
        ("whats the fee to withdraw 300", FeeQuestion(WITHDRAWAL, 30_000)),
        ("fee for sending 1,000 to my bank account?", FeeQuestion(BANK_TRANSFER, 100_000)),
    ],
)
def test_a_withdrawal_or_bank_card_transfer_of_one_amount_is_quoted(message, expected):
    assert fee_question(message) == expected


@pytest.mark.parametrize(
    "message",
    [
        "提现手续费多少",  # no amount: the rules answer it
        "还信用卡3000要手续费吗",  # a repayment's monthly allowance is not recorded
        "转账500给朋友收手续费吗",  # may go to an eepay balance: free
        "提现100还是提现200划算",  # two amounts: which one?
        "repay 500 on my credit card fee?",
    ],
)
def test_anything_else_is_not_quoted(message):
    assert fee_question(message) is None
