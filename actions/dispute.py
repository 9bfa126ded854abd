"""Money that left but should not have: unauthorized use, double charges, wrong amounts.

* Unauthorized use is urgent: the bot offers to freeze every payment method at once (and does
  it the moment the customer agrees), opens an ``unauthorized`` case and hands off with the
  highest priority.
* A double charge is looked up in the data (same payee and amount within minutes); when found,
  a ``duplicate_charge`` case is opened for the extra charge without asking anything.
* Other disputes (wrong amount, merchant problems) open a case for the payment the customer
  picks and explain the next steps.

``dispute_form`` collects what is missing: the kind of dispute, the freeze decision
(unauthorized only) and the payment. It goes on only while each message carries the token of
the customer who opened it: a tokenless "yes" freezes nothing (``AccountFormValidation``).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clients.payment_backend import (
    BackendClient,
    Conflict,
    DuplicateGroup,
    NotFound,
    conversation,
    get_backend_client,
)
from actions.common import AccountAction, AccountFormValidation, Events, entity_value, hand_off
from actions.formatting import method_label, yuan
from actions.i18n import language_of, text
from actions.identity import flow_customer_id
from actions.payment_failed import transaction_button

UNAUTHORIZED = "unauthorized"
DUPLICATE = "duplicate_charge"
WRONG_AMOUNT = "wrong_amount"
MERCHANT = "merchant_issue"
LOOKBACK = timedelta(days=30)
FORM_SLOTS = (
    "dispute_type",
    "dispute_transaction_id",
    "dispute_freeze_confirmed",
    "dispute_request_id",
    "dispute_cancelled",
)

# Phrases that tell the kind of dispute, Chinese and English, checked in this order
# (unauthorized first: it is urgent). Matching is on lower-cased text.
KEYWORDS = (
    (UNAUTHORIZED, (
        "不是我", "没授权", "未授权", "盗刷", "被盗", "陌生", "不认识", "莫名其妙", "没买",
        "没消费", "别人用", "不是本人", "not me", "wasn't me", "didnt make", "didn't make",
        "unauthori", "stolen", "fraud", "hacked", "don't recognize", "dont recognize",
        "never bought", "someone used",
    )),
    (DUPLICATE, (
        "两次", "2次", "二次", "重复", "两笔", "扣了两", "多扣了一笔", "twice", "double",
        "duplicate", "two times", "2 times",
    )),
    (WRONG_AMOUNT, (
        "金额不对", "多扣", "扣多", "金额错", "不是这个数", "多收", "扣了我", "应该是",
        "wrong amount", "overcharged", "charged more", "too much", "should be", "should have been",
    )),
    (MERCHANT, (
        "商家", "没收到货", "没发货", "店家", "卖家", "说没收到", "还让我再付", "merchant",
        "seller", "shop", "store", "never arrived", "not received", "didn't receive",
    )),
)  # fmt: skip
# the four choices the customer is offered, as button payloads
DISPUTE_TYPES = (UNAUTHORIZED, DUPLICATE, WRONG_AMOUNT, MERCHANT)
CANCEL_PHRASES = ("算了", "不用了", "取消", "不处理了", "cancel", "never mind", "forget it")


def classify(message: str) -> str | None:
    """The kind of dispute a message describes, if it says."""
    lowered = message.lower()
    for dispute_type, words in KEYWORDS:
        if any(word in lowered for word in words):
            return dispute_type
    return None


def extra_charge(group: DuplicateGroup) -> str:
    """The later charge of a duplicate group is the one to give back."""
    return group.transaction_ids[-1]


def request_key(tracker: Tracker, *parts: str) -> str:
    material = ":".join([tracker.sender_id, tracker.get_slot("dispute_request_id") or "", *parts])
    return hashlib.sha256(material.encode()).hexdigest()[:40]


class ActionStartDispute(AccountAction):
    """Detects duplicates from the data, or opens dispute_form for what is missing."""

    general_response = "utter_transaction_dispute_guide"
    checked_data = "checked.transactions"

    def name(self) -> str:
        """Action name used in the domain and rules."""
        return "action_start_dispute"

    async def run_for_customer(
        self,
        customer_id: str,
        backend: BackendClient,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> Events:
        """Duplicate found → case opened now; otherwise the form."""
        message = (tracker.latest_message or {}).get("text") or ""
        dispute_type = classify(message)
        transaction_id = entity_value(tracker, "transaction_id")
        request_id = uuid.uuid4().hex
        if dispute_type in (DUPLICATE, None):
            found = await backend.find_duplicate_charges(customer_id, transaction_id)
            if found.items:
                group = found.items[0]
                return await self._open_duplicate(
                    customer_id, backend, dispatcher, tracker, group, request_id
                )
            if dispute_type == DUPLICATE:
                dispatcher.utter_message(response="utter_no_duplicate_found")
        if dispute_type == UNAUTHORIZED:
            dispatcher.utter_message(response="utter_unauthorized_urgent")
        return [
            *[SlotSet(slot, None) for slot in FORM_SLOTS],
            SlotSet("dispute_request_id", request_id),
            SlotSet("dispute_type", dispute_type),
            SlotSet("dispute_transaction_id", transaction_id),
            SlotSet("flow_next", "dispute_form"),
        ]

    async def _open_duplicate(
        self,
        customer_id: str,
        backend: BackendClient,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        group: DuplicateGroup,
        request_id: str,
    ) -> Events:
        charge = extra_charge(group)
        key = hashlib.sha256(f"{tracker.sender_id}:duplicate:{charge}".encode()).hexdigest()[:40]
        try:
            case = await backend.open_dispute(
                customer_id,
                charge,
                DUPLICATE,
                description=f"duplicate of {group.transaction_ids[0]}",
                idempotency_key=key,
            )
            case_id = case.id
        except Conflict as error:
            case_id = str(error.details.get("dispute_id") or "")
        dispatcher.utter_message(
            response="utter_duplicate_charge_case",
            payee=group.payee,
            amount=yuan(group.amount_fen),
            first=group.transaction_ids[0],
            extra=charge,
            minutes=max(1, round(group.span_seconds / 60)),
            case_id=case_id,
        )
        diagnosis = f"duplicate charge: {', '.join(group.transaction_ids)}; case {case_id}"
        return [SlotSet("transaction_id", charge), SlotSet("diagnosis", diagnosis)]


class ActionAskDisputeType(Action):
    """Asks what kind of problem it is."""

    def name(self) -> str:
        """Called by dispute_form to ask for dispute_type."""
        return "action_ask_dispute_type"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        """Four choices as buttons."""
        language = language_of(tracker)
        buttons = [
            {"title": text(f"button.dispute.{kind}", language), "payload": kind}
            for kind in DISPUTE_TYPES
        ]
        dispatcher.utter_message(response="utter_ask_dispute_type", buttons=buttons)
        return []


class ActionAskDisputeTransactionId(Action):
    """Asks which payment, offering the customer's recent successful payments."""

    def name(self) -> str:
        """Called by dispute_form to ask for dispute_transaction_id."""
        return "action_ask_dispute_transaction_id"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        """One button per recent payment."""
        customer_id = flow_customer_id(tracker)
        buttons = []
        if customer_id:
            with conversation(tracker.sender_id):
                page = await get_backend_client().list_transactions(
                    customer_id,
                    status=["success", "partially_refunded"],
                    since=datetime.now(timezone.utc) - LOOKBACK,
                    limit=5,
                )
            language = language_of(tracker)
            buttons = [transaction_button(t, language, intent="inform") for t in page.items]
        dispatcher.utter_message(response="utter_ask_dispute_transaction_id", buttons=buttons)
        return []


class ValidateDisputeForm(AccountFormValidation):
    """Kind of dispute, freeze decision (freezing at once), and the payment."""

    left_slot = "dispute_cancelled"

    def name(self) -> str:
        """Validation action of dispute_form."""
        return "validate_dispute_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """The freeze question only for unauthorized use, and first (it is urgent)."""
        if not self.is_open(tracker):
            return []
        if tracker.get_slot("dispute_type") == UNAUTHORIZED:
            return ["dispute_type", "dispute_freeze_confirmed", "dispute_transaction_id"]
        return ["dispute_type", "dispute_transaction_id"]

    async def validate_dispute_type(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """One of the four kinds, from a button or the customer's words."""
        if value is None:  # a reset or not known yet: the form asks
            return {"dispute_type": None}
        answer = str(value).strip()
        if answer in DISPUTE_TYPES:
            return {"dispute_type": answer}
        if any(phrase in answer.lower() for phrase in CANCEL_PHRASES):
            return {"dispute_type": None, "dispute_cancelled": True}
        dispute_type = classify(answer)
        if dispute_type == UNAUTHORIZED:
            dispatcher.utter_message(response="utter_unauthorized_urgent")
        if dispute_type is None:
            dispatcher.utter_message(response="utter_dispute_type_unclear")
        return {"dispute_type": dispute_type}

    async def validate_dispute_freeze_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A yes freezes every payment method right now."""
        if value is None:  # a reset, not an answer
            return {"dispute_freeze_confirmed": None}
        if value is not True:
            dispatcher.utter_message(response="utter_freeze_declined")
            return {"dispute_freeze_confirmed": False}
        customer_id = flow_customer_id(tracker)
        if customer_id is None:  # not the form's customer: no answer of theirs
            return {"dispute_freeze_confirmed": None}
        with conversation(tracker.sender_id):
            result = await get_backend_client().freeze_payment_methods(
                customer_id,
                reason="unauthorized_use",
                idempotency_key=request_key(tracker, "freeze"),
            )
        frozen = [m for m in result.items if m.status == "frozen"]
        language = language_of(tracker)
        separator = text("method.list_separator", language)
        names = separator.join(
            method_label(m.type, m.bank, m.last4, language) for m in frozen
        ) or text("method.yours", language)
        dispatcher.utter_message(response="utter_methods_frozen", methods=names)
        return {"dispute_freeze_confirmed": True}

    async def validate_dispute_transaction_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A payment of this customer."""
        customer_id = flow_customer_id(tracker)
        transaction_id = str(value or "").strip().upper()
        if not customer_id or not transaction_id:
            return {"dispute_transaction_id": None}
        try:
            with conversation(tracker.sender_id):
                await get_backend_client().get_transaction(customer_id, transaction_id)
        except NotFound:
            dispatcher.utter_message(
                response="utter_transaction_not_found", transaction_id=transaction_id
            )
            return {"dispute_transaction_id": None}
        return {"dispute_transaction_id": transaction_id}


class ActionOpenDispute(Action):
    """Opens the case; unauthorized use then goes to a person at once."""

    def name(self) -> str:
        """Runs when dispute_form is complete."""
        return "action_open_dispute"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        """Opens the case with the request's idempotency key and says what happens next."""
        reset = [SlotSet(slot, None) for slot in FORM_SLOTS]
        customer_id = flow_customer_id(tracker)
        dispute_type = tracker.get_slot("dispute_type")
        transaction_id = tracker.get_slot("dispute_transaction_id")
        if customer_id is None:  # the form stopped: this turn is not its customer's
            dispatcher.utter_message(response="utter_login_to_continue")
            return reset
        if tracker.get_slot("dispute_cancelled") or not (dispute_type and transaction_id):
            dispatcher.utter_message(response="utter_flow_cancelled")
            return reset
        try:
            with conversation(tracker.sender_id):
                case = await get_backend_client().open_dispute(
                    customer_id,
                    transaction_id,
                    dispute_type,
                    description=((tracker.latest_message or {}).get("text") or "")[:500] or None,
                    idempotency_key=request_key(tracker, transaction_id, dispute_type),
                )
            case_id = case.id
        except Conflict as error:
            case_id = str(error.details.get("dispute_id") or "")
        diagnosis = f"{dispute_type} dispute {case_id} on {transaction_id}"
        events = [
            *reset,
            SlotSet("transaction_id", transaction_id),
            SlotSet("diagnosis", diagnosis),
        ]
        if dispute_type == UNAUTHORIZED:
            dispatcher.utter_message(response="utter_unauthorized_case_opened", case_id=case_id)
            return [*events, *hand_off("unauthorized_transaction")]
        dispatcher.utter_message(response="utter_dispute_case_opened", case_id=case_id)
        return events
