"""Texts the actions put into responses, in each language the bot speaks.

Responses live in domain.yml (English as a conditional variation on the ``language`` slot);
the pieces the actions compute — a refusal reason, a status, a button title — live here.
Traditional Chinese is the Simplified text converted by OpenCC (``service_kit.language.localise``),
like the responses, so there is one Chinese source, in the usage of the customer's region
(Taiwan or Hong Kong) as the response generator (addons/nlg.py) picks it: the language an
action gets from :func:`language_of` carries that region, so every text it localises follows
it without each caller passing a second value. That matters most for what the response
generator does not convert again: button titles and plain-text messages.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Optional

from rasa_sdk import Tracker

from service_kit.language import (
    DEFAULT,
    ENGLISH,
    TRADITIONAL,
    conversation_language,
    conversation_region,
    localise,
)

TEXTS: dict[str, dict[str, str]] = {
    # what could not be checked when the backend is down
    "checked.account": {"zh": "您的账户信息", "en": "your account"},
    "checked.payments": {"zh": "您的付款记录", "en": "your payments"},
    "checked.refundable": {"zh": "您可以退款的交易", "en": "your refundable payments"},
    "checked.refunds": {"zh": "您的退款进度", "en": "your refunds"},
    "checked.status": {"zh": "您的账户状态", "en": "your account status"},
    "checked.transactions": {"zh": "您的交易记录", "en": "your transactions"},
    # payment methods
    "method.balance": {"zh": "余额", "en": "balance"},
    "method.debit_card": {"zh": "储蓄卡", "en": "debit card"},
    "method.credit_card": {"zh": "信用卡", "en": "credit card"},
    "method.card": {"zh": "{bank}{kind}（尾号{last4}）", "en": "{bank} {kind} ending {last4}"},
    "method.card_no_last4": {"zh": "{bank}{kind}", "en": "{bank} {kind}"},
    "method.list_separator": {"zh": "、", "en": ", "},
    "method.yours": {"zh": "您的支付方式", "en": "your payment methods"},
    "method_status.expired": {"zh": "已过期", "en": "has expired"},
    "method_status.frozen": {"zh": "已冻结", "en": "is frozen"},
    "method_status.active": {"zh": "正常", "en": "is active"},
    "method_status.unknown": {"zh": "暂时不可用", "en": "is unavailable for now"},
    "alternatives.none": {
        "zh": "您暂时没有其他可用的支付方式，可以先在「我的 → 银行卡」绑定一张新卡。",
        "en": "You have no other payment method that can take this amount; you can add a card "
        "under Me → Bank cards.",
    },
    "alternatives.some": {
        "zh": "可以换用您的{names}再付一次。",
        "en": "You can pay again with your {names}.",
    },
    # refunds
    "refund.default_reason": {"zh": "客户申请", "en": "customer request"},
    "refund.route": {"zh": "原路退回", "en": "back to the original payment method"},
    "refusal.TRANSACTION_FAILED": {
        "zh": "这笔付款没有成功，钱没有扣走，所以不需要退款",
        "en": "this payment did not go through, so no money was taken and there is nothing "
        "to refund",
    },
    "refusal.TRANSACTION_PENDING": {
        "zh": "这笔付款还在处理中，等结果出来后再看是否需要退款",
        "en": "this payment is still processing; let's see its result before refunding",
    },
    "refusal.TRANSFER_NOT_REFUNDABLE": {
        "zh": "转账给个人的款项不支持退款，需要联系收款方退回",
        "en": "transfers to a person cannot be refunded; please ask the recipient to send it back",
    },
    "refusal.NON_REFUNDABLE_CATEGORY": {
        "zh": "这是虚拟商品（如游戏充值、会员），按商家政策购买后不支持退款",
        "en": "it is a virtual good (game top-up, membership), which the merchant's policy does "
        "not refund",
    },
    "refusal.REFUND_IN_PROGRESS": {
        "zh": "这笔付款已经有一笔退款在处理中，处理完之前不能再申请",
        "en": "a refund for this payment is already in progress",
    },
    "refusal.FULLY_REFUNDED": {
        "zh": "这笔付款已经全额退款了",
        "en": "this payment has already been refunded in full",
    },
    "refusal.REFUND_WINDOW_EXPIRED": {
        "zh": "已经超过商家的退款期限",
        "en": "the merchant's refund period has ended",
    },
    "refusal.AMOUNT_EXCEEDS_REMAINDER": {
        "zh": "申请的金额超过了这笔付款还能退的金额",
        "en": "the amount is more than what is left to refund on this payment",
    },
    "refusal.other": {"zh": "不符合退款规则", "en": "it does not meet the refund rules"},
    "refusal.deadline": {"zh": "（截止{date}）", "en": " (the deadline was {date})"},
    "arrival.balance": {
        "zh": "原路退回余额，审核通过后即时到账",
        "en": "back to your balance, right after approval",
    },
    "arrival.debit_card": {
        "zh": "原路退回{method}，审核通过后{days}个工作日到账",
        "en": "back to your {method}, {days} working days after approval",
    },
    "arrival.credit_card": {
        "zh": "原路退回{method}，审核通过后{days}个工作日到账（冲抵信用卡账单）",
        "en": "back to your {method}, {days} working days after approval (credited to the card's "
        "bill)",
    },
    "refund_status.submitted": {"zh": "已提交，等待审核", "en": "submitted, waiting for review"},
    "refund_status.under_review": {"zh": "审核中", "en": "under review"},
    "refund_status.approved": {"zh": "审核已通过，正在退回", "en": "approved, on its way back"},
    "refund_status.refunded": {"zh": "已退回", "en": "refunded"},
    "refund_status.rejected": {"zh": "未通过审核", "en": "rejected"},
    "refund_line.head": {
        "zh": "• {payee} {amount}（退款单{refund_id}）：{status}",
        "en": "• {payee} {amount} (refund {refund_id}): {status}",
    },
    "refund_line.reviewing": {
        "zh": "，预计{review_due}前审核完，{arrival}前退回{method}",
        "en": ", review by {review_due}, back to your {method} by {arrival}",
    },
    "refund_line.after_review": {"zh": "审核后", "en": "after review"},
    "refund_line.approved": {
        "zh": "，预计{arrival}前到账{method}",
        "en": ", expected in your {method} by {arrival}",
    },
    "refund_line.refunded": {
        "zh": "，已于{date}退回{method}",
        "en": ", returned to your {method} on {date}",
    },
    "refund_line.rejected": {"zh": "，原因：{reason}", "en": ", reason: {reason}"},
    # what the scammer asked for, named first in utter_scam_warning (actions/scam.py)
    "scam.code": {
        "zh": "验证码和密码就是您账户的钥匙，谁要都不能给，自称客服、银行或警察的也一样。",
        "en": "A verification code or password is the key to your account: never give it to "
        "anyone, even someone who says they are support staff, a bank or the police.",
    },
    "scam.screen_share": {
        "zh": "共享屏幕或装远程软件后，对方能看到您的验证码和密码，还会一步步指挥您转账。",
        "en": "Once you share your screen or install remote-control software, they can see your "
        "codes and passwords and will walk you through sending them money.",
    },
    "scam.safe_account": {
        "zh": "根本没有「安全账户」，eepay、银行和公安都不会让您把钱转走保管。",
        "en": 'There is no such thing as a "safe account": eepay, banks and the police never '
        "ask you to move your money somewhere for safekeeping.",
    },
    "scam.fee_first": {
        "zh": "真正的退款和理赔会原路退回，从来不需要您先付钱、扫码、贷款或「刷流水」。",
        "en": "A real refund or compensation goes back the way you paid; it never needs you to "
        "pay, scan a code or take out a loan first.",
    },
    "scam.brushing": {
        "zh": "刷单、做任务返佣金都是诈骗：前几单返钱，是为了让您垫付更多。",
        "en": 'Order-brushing and "tasks for commission" are scams: the first small payouts are '
        "there to get you to pay in more.",
    },
    "scam.police": {
        "zh": "公安机关不会通过电话或网络办案，更不会让您转账「配合调查」。",
        "en": "The police never handle a case over the phone or online, and never ask you to "
        'transfer money to "help an investigation".',
    },
    "scam.impersonation": {
        "zh": "对方自称 eepay 或商家，但您没法核实身份，先别按他说的做。",
        "en": "They say they are eepay or a merchant, but you can't check who they are, so don't "
        "do what they ask.",
    },
    # login
    "lock.too_many_failed_logins": {
        "zh": "密码连续输错次数太多，系统为保护您的账户临时锁定了登录",
        "en": "too many wrong passwords in a row, so the login was locked to protect your account",
    },
    "lock.risk_control": {
        "zh": "系统检测到异常登录风险，临时锁定了登录",
        "en": "we saw an unusual login attempt and locked the login for now",
    },
    "lock.customer_request": {
        "zh": "您之前申请过锁定账户",
        "en": "you asked us to lock the account",
    },
    "lock.other": {
        "zh": "账户出于安全原因被临时锁定",
        "en": "the account was locked for security reasons",
    },
    # knowledge answers (actions/knowledge.py): the customer's own limits
    # a fee asked for one amount (actions/fee_quote.py)
    "fee_movement.withdrawal": {"zh": "提现{amount}", "en": "Withdrawing {amount}"},
    "fee_movement.bank_transfer": {
        "zh": "转{amount}到银行卡",
        "en": "Transferring {amount} to a bank card",
    },
    "knowledge.limit_line": {
        "zh": "• {method}：单笔{single}，单日{daily}，今天还可用{remaining}",
        "en": "• {method}: {single} per payment, {daily} a day, {remaining} left today",
    },
    "knowledge.method_unusable": {"zh": "• {method}{status}", "en": "• {method} {status}"},
    # buttons
    # the channel named like the English one: 短信 is also a word Taiwan (簡訊) and Hong Kong
    # (短訊) write differently
    "button.send_sms": {"zh": "短信发到{phone}", "en": "Text it to {phone}"},
    "button.send_email": {"zh": "邮件发到{email}", "en": "Email it to {email}"},
    "button.no_thanks": {"zh": "不用了", "en": "No, thanks"},
    # "is it this payment?" (actions/transaction_choice.py)
    "button.confirm.yes": {"zh": "是的，就是这笔", "en": "Yes, that one"},
    "button.confirm.no": {"zh": "不是这笔", "en": "No, another one"},
    "button.dispute.unauthorized": {"zh": "不是我本人操作", "en": "It wasn't me"},
    "button.dispute.duplicate_charge": {"zh": "重复扣款", "en": "Charged twice"},
    "button.dispute.wrong_amount": {"zh": "金额不对", "en": "Wrong amount"},
    "button.dispute.merchant_issue": {"zh": "商家问题", "en": "Problem with the merchant"},
    # the desk refused a handoff for good (actions/clients/desk.py): no agent will come
    "handoff.undeliverable": {
        "zh": "非常抱歉，这次没能为您转接人工客服。为了不让您白白等待，请通过下面的渠道联系我们：",
        "en": "I'm sorry, I couldn't connect you to a support agent this time. So that you "
        "don't wait for nothing, please reach us through one of these channels:",
    },
}

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Language(str):
    """A conversation's language code that also knows, for Traditional Chinese, whose usage
    (``service_kit.language.TAIWAN`` or ``HONG_KONG``) its texts follow.

    It is the plain code everywhere else (``== "zh-Hant"``, a dict key, JSON in the desk's
    handoff and rating payloads, whose contract has no region), so actions keep passing one
    value; :func:`text` reads the region from it.
    """

    __slots__ = ("region",)
    region: Optional[str]

    def __new__(cls, code: str, region: Optional[str] = None) -> Language:
        """``code`` as a language; ``region`` is kept for Traditional Chinese only."""
        language = super().__new__(cls, code)
        language.region = region if code == TRADITIONAL else None
        return language


def _user_messages(tracker: Tracker) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(parse data, metadata) of the conversation's user messages, oldest first."""
    for event in tracker.events:
        if event.get("event") == "user":
            yield event.get("parse_data") or {}, event.get("metadata") or {}


def region_of(tracker: Optional[Tracker]) -> Optional[str]:
    """Whose Traditional Chinese the conversation reads (Taiwan's or Hong Kong's), computed
    from its messages like the response generator; None without a conversation."""
    if tracker is None:
        return None
    return conversation_region(_user_messages(tracker))


def language_of(tracker: Optional[Tracker]) -> Language:
    """The conversation's language, computed from its messages like the response generator,
    with the region of its Traditional Chinese."""
    if tracker is None:
        return Language(DEFAULT)
    code = conversation_language(_user_messages(tracker))
    return Language(code, region_of(tracker) if code == TRADITIONAL else None)


def text(key: str, language: str, **values: Any) -> str:
    """The text ``key`` in ``language``, with ``values`` filled in: Traditional Chinese in the
    usage of the region a :class:`Language` carries (Taiwan's for a plain ``"zh-Hant"``)."""
    entry = TEXTS[key]
    template = entry["en"] if language == ENGLISH else entry["zh"]
    return localise(template.format(**values), language, getattr(language, "region", None))
