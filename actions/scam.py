"""Scams and stolen accounts: warn in plain words, and get a victim's money protected fast.

Payment scams follow a few scripts — someone posing as eepay, a merchant, a courier or the
police asks for a verification code, a screen share, a transfer to a "safe account", or a fee
before a refund or compensation; order-brushing (刷单) jobs ask for money up front. Whoever
describes one of them hears why it is a scam, what eepay never asks for, the official channels,
and 96110 / 110.

A customer who already sent money (or whose account was taken over) is a victim: time decides
whether the money can still be stopped.

* Logged in (the token of this message): the bot offers to freeze every payment method, opens
  an ``unauthorized`` case and hands off as urgent — ``dispute_form``, opened here with the kind
  already known, does all three (actions/dispute.py).
* Anonymous, or locked out: nothing can be frozen from an app they cannot get into, so they
  hear what to do now (110, the official hotline that verifies them through the registered
  phone and freezes the account) and are handed to a person as urgent. Nothing about any
  account is said or changed without a token.
"""

from __future__ import annotations

import uuid
from typing import Any

from opencc import OpenCC
from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import Events, hand_off
from actions.dispute import FORM_SLOTS, UNAUTHORIZED
from actions.i18n import language_of, text
from actions.identity import verified_customer_id

SCAM_VICTIM = "scam_victim"
ACCOUNT_TAKEOVER = "account_takeover"
WARNING = "warning"

_T2S = OpenCC("t2s")

# What the scammer asked for, most telling first; the warning names it (i18n ``scam.<kind>``).
# Matching is on lower-cased Simplified text.
SITUATIONS = (
    ("screen_share", (
        "共享屏幕", "屏幕共享", "分享屏幕", "屏幕分享", "萤幕", "会议软件", "腾讯会议", "会议app",
        "远程", "开视频", "screen", "anydesk", "teamviewer", "remote", "meeting app",
    )),
    ("safe_account", ("安全账户", "安全账号", "资金保护", "指定账户", "safe account")),
    ("brushing", (
        "刷单", "返佣", "佣金", "做任务", "点赞返", "垫付", "brushing", "task job", "commission",
        "liking products",
    )),
    ("police", ("警察", "公安", "涉案", "洗钱", "police", "money laundering")),
    ("fee_first", (
        "手续费", "保证金", "解冻费", "先交", "先付", "先转", "赔偿", "理赔", "扫码", "二维码",
        "领取退款", "刷流水", "交税", "贷款", "借呗", "备用金", "征信", "误转", "转错",
        "pay first", "fee", "deposit", "compensation", "qr code", "by mistake", "tax", "loan",
    )),
    ("code", (
        "验证码", "密码", "六位数", "6位数", "链接", "code", "password", "link",
    )),
)  # fmt: skip

# The customer already lost money or control: act, do not only warn.
VICTIM_PHRASES = (
    "被骗", "上当", "骗走", "骗了", "转了", "已经转", "转过去", "转出去", "打了钱",
    "付了", "垫付了", "给他了", "告诉对方", "被转走", "被人转", "转走了", "钱没了", "追回", "拦截",
    "撤回", "scammed", "got scammed", "sent money", "already sent", "transferred", "i paid",
    "gave the code", "money disappeared", "stop the money", "get my money back",
)  # fmt: skip
# Words that only ask whether something is a scam ("是不是被骗了") are not a loss yet.
QUESTION_PHRASES = (
    "是不是被骗", "会不会被骗", "是骗子吗", "是不是骗", "is this a scam", "is it a scam",
)  # fmt: skip

TAKEOVER_PHRASES = (
    "被盗", "盗号", "被人登", "被别人登", "别人登录", "异地登录", "密码被改", "密码被人改",
    "被人改了密码", "手机号被改", "hacked", "stolen", "someone else logged", "changed my password",
    "took over",
)  # fmt: skip


def simplified(message: str) -> str:
    """The message lower-cased and in Simplified characters, for keyword matching."""
    return _T2S.convert(message or "").lower()


def is_account_takeover(message: str) -> bool:
    """Whether the customer says their account was stolen or taken over."""
    lowered = simplified(message)
    return any(phrase in lowered for phrase in TAKEOVER_PHRASES)


def is_victim(message: str) -> bool:
    """Whether the customer already sent money or a code to a scammer."""
    lowered = simplified(message)
    if any(phrase in lowered for phrase in QUESTION_PHRASES):
        return False
    return any(phrase in lowered for phrase in VICTIM_PHRASES)


def situation(message: str) -> str:
    """Which scam script the message describes (``impersonation`` when it names none)."""
    lowered = simplified(message)
    for kind, words in SITUATIONS:
        if any(word in lowered for word in words):
            return kind
    return "impersonation"


# the payload of the "我已经转钱了" button under a warning (a typed message is never a bare intent)
VICTIM_BUTTON = "/report_scam"


def classify(message: str) -> str:
    """victim, account takeover, or a warning only."""
    if message.strip() == VICTIM_BUTTON or is_victim(message):
        return SCAM_VICTIM
    if is_account_takeover(message):
        return ACCOUNT_TAKEOVER
    return WARNING


def secure_account_events(dispute_type: str = UNAUTHORIZED) -> Events:
    """Events that open dispute_form for a victim: freeze offer, case, urgent handoff."""
    return [
        *[SlotSet(slot, None) for slot in FORM_SLOTS],
        SlotSet("dispute_request_id", uuid.uuid4().hex),
        SlotSet("dispute_type", dispute_type),
        SlotSet("flow_next", "dispute_form"),
    ]


def protect_anonymous(dispatcher: CollectingDispatcher, kind: str) -> Events:
    """A victim without a token: what to do now (110, the hotline), then a person, urgently."""
    if kind == ACCOUNT_TAKEOVER:
        dispatcher.utter_message(response="utter_account_takeover_anonymous")
    else:
        dispatcher.utter_message(response="utter_scam_victim_anonymous")
    return [SlotSet("diagnosis", f"{kind}, not logged in"), *hand_off(kind)]


def protect_customer(dispatcher: CollectingDispatcher, kind: str) -> Events:
    """A victim with a token: freeze offer, case and urgent handoff through dispute_form."""
    if kind == ACCOUNT_TAKEOVER:
        dispatcher.utter_message(response="utter_account_takeover")
    else:
        dispatcher.utter_message(response="utter_scam_victim")
    return [SlotSet("diagnosis", kind), *secure_account_events()]


class ActionHandleScam(Action):
    """Warns about a scam, or starts the victim's protection path.

    No backend read is needed to warn or to start the protection: the freeze and the case are
    done by dispute_form, which checks the token on every turn.
    """

    def name(self) -> str:
        """Action name used in the domain and rules."""
        return "action_handle_scam"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        """Warning; or, for a victim, freeze offer / case / urgent person (with the token of
        this message) or the steps to take now and an urgent person (without one)."""
        message = (tracker.latest_message or {}).get("text") or ""
        kind = classify(message)
        # a new topic: an earlier "did that help?" is answered, no form opens unless said below
        events: Events = [SlotSet("awaiting_resolution", False), SlotSet("flow_next", None)]
        if kind == WARNING:
            what = situation(message)
            dispatcher.utter_message(
                response="utter_scam_warning",
                situation=text(f"scam.{what}", language_of(tracker)),
            )
            return [*events, SlotSet("diagnosis", f"scam warning: {what}")]
        customer_id = verified_customer_id(tracker)
        if customer_id is None:
            return [*events, *protect_anonymous(dispatcher, kind)]
        return [*events, SlotSet("customer_id", customer_id), *protect_customer(dispatcher, kind)]
