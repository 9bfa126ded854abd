"""Forgotten passwords and locked logins: send a code to the registered phone or email.

The bot explains the steps, offers to send a verification code to the customer's registered
phone or email (shown masked), sends it through the backend on confirmation, and points to the
secure reset page. The customer types the code and the new password on that page only: the
bot never receives either. The same code unlocks a login locked by wrong passwords. A code is
sent only on a turn that carries the token of the customer who asked (``AccountFormValidation``).

The 6-digit payment password (支付密码) is another secret with its own reset in the app's
security center; a customer who forgot it gets those steps, never the login-password reset.
A customer who is not logged in gets the steps without being told to log in first: the
forgotten password is what keeps them out.
"""

from __future__ import annotations

import uuid
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clients.payment_backend import (
    BackendClient,
    NotEligible,
    RateLimited,
    conversation,
    get_backend_client,
)
from actions.common import AccountAction, AccountFormValidation, Events, hand_off
from actions.i18n import language_of, text
from actions.identity import flow_customer_id
from service_kit.language import to_simplified

PASSWORD_RESET = "password_reset"
UNLOCK = "unlock"
FORM_SLOTS = ("reset_channel", "reset_purpose", "reset_cancelled", "reset_request_id")
CANCEL_PHRASES = ("算了", "不用", "不要", "取消", "先不", "cancel", "no thanks", "never mind")
PAY_PASSWORD_PHRASES = (
    "支付密码", "付款密码", "支付密碼", "付款密碼", "交易密码", "六位", "6位", "6 位",
    "payment password", "pay password", "payment pin", "6-digit", "6 digit", "six digit",
)  # fmt: skip
# the answer whose "forgot password" button is about the payment password
PAY_PASSWORD_CONTEXT = "utter_diagnosis_wrong_pay_password"


def last_bot_response(tracker: Tracker) -> str | None:
    """The name of the response the bot said last (Rasa records it as ``utter_action``)."""
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            return (event.get("metadata") or {}).get("utter_action")
    return None


def about_payment_password(tracker: Tracker) -> bool:
    """Whether the forgotten password is the 6-digit payment password, from the customer's
    words or from the button under the wrong-payment-password diagnosis."""
    message = ((tracker.latest_message or {}).get("text") or "").lower()
    if "登录密码" in message or "login password" in message:
        return False
    if any(phrase in message for phrase in PAY_PASSWORD_PHRASES):
        return True
    return last_bot_response(tracker) == PAY_PASSWORD_CONTEXT


# Read on the Simplified form of the answer: Traditional 簡訊 / 短訊 (the words the buttons use
# in Taiwan and Hong Kong) and 郵件 become 简讯 / 短讯 / 邮件.
EMAIL_WORDS = ("邮箱", "邮件", "电邮", "email", "e-mail", "mail")
SMS_WORDS = ("手机", "短信", "简讯", "短讯", "sms", "text", "电话", "号码", "phone")


def channel_choice(text: str) -> str | None:
    """sms, email, or None for what the customer answered."""
    lowered = to_simplified(text).lower()
    if any(word in lowered for word in EMAIL_WORDS):
        return "email"
    if any(word in lowered for word in SMS_WORDS):
        return "sms"
    return None


def start_reset_form(purpose: str) -> Events:
    """Events that open password_reset_form for ``purpose``."""
    return [
        *[SlotSet(slot, None) for slot in FORM_SLOTS],
        SlotSet("reset_purpose", purpose),
        SlotSet("reset_request_id", uuid.uuid4().hex),
        SlotSet("flow_next", "password_reset_form"),
    ]


class ActionOfferPasswordReset(AccountAction):
    """Explains the reset and offers to send the code (frozen accounts go to a person)."""

    general_response = "utter_forgot_password_steps"
    checked_data = "checked.status"

    def name(self) -> str:
        """Action name used in the domain and rules."""
        return "action_offer_password_reset"

    async def run_anonymous(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        """The published steps for the password they forgot; no "log in first"."""
        if about_payment_password(tracker):
            dispatcher.utter_message(response="utter_forgot_pay_password_steps")
        else:
            dispatcher.utter_message(response=self.general_response)
        return []

    async def run_for_customer(
        self,
        customer_id: str,
        backend: BackendClient,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> Events:
        """Offers the code, or hands a frozen account to a person; a payment password is
        reset in the app's security center."""
        customer = await backend.get_customer(customer_id)
        if customer.status == "frozen":
            dispatcher.utter_message(response="utter_account_frozen")
            return [SlotSet("diagnosis", "account frozen"), *hand_off("account_frozen")]
        if about_payment_password(tracker):
            # the backend's codes reset the login password only (VerificationPurpose)
            dispatcher.utter_message(response="utter_forgot_pay_password_steps")
            return [SlotSet("diagnosis", "payment password forgotten: security-center steps")]
        dispatcher.utter_message(response="utter_password_reset_intro")
        return start_reset_form(PASSWORD_RESET)


class ActionAskResetChannel(Action):
    """Asks where to send the code, with the masked phone and email as buttons."""

    def name(self) -> str:
        """Called by password_reset_form to ask for reset_channel."""
        return "action_ask_reset_channel"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        """One button per registered contact, and a way out."""
        customer_id = flow_customer_id(tracker)
        language = language_of(tracker)
        buttons = []
        if customer_id:
            with conversation(tracker.sender_id):
                customer = await get_backend_client().get_customer(customer_id)
            title = text("button.send_sms", language, phone=customer.phone_masked)
            buttons.append({"title": title, "payload": "发到手机"})
            if customer.email_masked:
                title = text("button.send_email", language, email=customer.email_masked)
                buttons.append({"title": title, "payload": "发到邮箱"})
        buttons.append({"title": text("button.no_thanks", language), "payload": "/deny"})
        dispatcher.utter_message(response="utter_ask_reset_channel", buttons=buttons)
        return []


class ValidatePasswordResetForm(AccountFormValidation):
    """Understands 手机 / 邮箱 (a plain yes means the phone) and 算了."""

    left_slot = "reset_cancelled"

    def name(self) -> str:
        """Validation action of password_reset_form."""
        return "validate_password_reset_form"

    async def validate_reset_channel(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """sms or email; a yes picks the phone; 算了 cancels."""
        if value is None:  # a reset, not an answer
            return {"reset_channel": None}
        text = str(value).strip()
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        choice = channel_choice(text)
        if choice:
            return {"reset_channel": choice}
        if intent == "affirm":
            return {"reset_channel": "sms"}
        if any(phrase in text for phrase in CANCEL_PHRASES):
            return {"reset_channel": None, "reset_cancelled": True}
        dispatcher.utter_message(response="utter_reset_channel_unclear")
        return {"reset_channel": None}


class ActionSendResetCode(Action):
    """Sends the code through the backend and points to the secure page."""

    def name(self) -> str:
        """Runs when password_reset_form is complete."""
        return "action_send_reset_code"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        """Sends the code (idempotent per request) and explains the next step."""
        reset = [SlotSet(slot, None) for slot in FORM_SLOTS]
        customer_id = flow_customer_id(tracker)
        channel = tracker.get_slot("reset_channel")
        if customer_id is None:  # the form stopped: this turn is not its customer's
            dispatcher.utter_message(response="utter_login_to_continue")
            return reset
        if tracker.get_slot("reset_cancelled") or not channel:
            dispatcher.utter_message(response="utter_flow_cancelled")
            return reset
        purpose = tracker.get_slot("reset_purpose") or PASSWORD_RESET
        key = f"{tracker.sender_id}:{tracker.get_slot('reset_request_id')}:{channel}:{purpose}"
        try:
            with conversation(tracker.sender_id):
                challenge = await get_backend_client().send_verification_code(
                    customer_id, channel=channel, purpose=purpose, idempotency_key=key[:120]
                )
        except RateLimited as error:
            dispatcher.utter_message(
                response="utter_reset_rate_limited",
                seconds=max(error.retry_after_seconds, 1),
            )
            return reset
        except NotEligible:
            dispatcher.utter_message(response="utter_account_frozen")
            return [*reset, *hand_off("account_frozen")]
        minutes = max(1, round((challenge.expires_at - challenge.resend_available_at).seconds / 60))
        dispatcher.utter_message(
            response="utter_reset_code_sent"
            if purpose == PASSWORD_RESET
            else "utter_unlock_code_sent",
            destination=challenge.destination_masked,
            reset_url=challenge.reset_url,
            minutes=minutes,
        )
        return [*reset, SlotSet("diagnosis", f"{purpose} code sent by {channel}")]
