"""Money that left but should not have: unauthorized use, double charges, wrong amounts.

* Unauthorized use is urgent: the bot offers to freeze every payment method at once (and does
  it the moment the customer agrees), opens an ``unauthorized`` case and hands off with the
  highest priority.
* A double charge the customer reports (扣了两次) is looked up in the data (same payee and
  amount within minutes); when the pair found is the one they named (or the only one), a
  ``duplicate_charge`` case is opened for the extra charge. A pair they did not report is never
  filed: ``订酒店的钱扣了没有`` is about the hotel payment, not two rides of another merchant.
* A payment the customer describes that is still processing or failed gets its state (nothing
  was taken twice), like the payment-failure flow says it.
* Other disputes (wrong amount, merchant problems) open a case for the payment the customer
  picks, or names and then confirms (actions/resolver.py reads the description), and explain
  the next steps.

``dispute_form`` collects what is missing: the kind of dispute, the freeze decision
(unauthorized only) and the payment. It goes on only while each message carries the token of
the customer who opened it: a tokenless "yes" freezes nothing (``AccountFormValidation``).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import correction, is_cancel, yes_or_no
from actions.clients.payment_backend import (
    BackendClient,
    Conflict,
    DuplicateGroup,
    NotFound,
    conversation,
    get_backend_client,
)
from actions.common import AccountAction, AccountFormValidation, Events, entity_value, hand_off
from actions.formatting import method_label
from actions.i18n import language_of, text
from actions.identity import flow_customer_id
from actions.payment_failed import diagnose
from actions.resolver import Resolution, is_transaction_id, normalise
from actions.transaction_choice import (
    CHOICES_FLOW_SLOT,
    CHOICES_SLOT,
    MAX_CHOICES,
    answer_text,
    ask_to_confirm,
    choice_buttons,
    chosen_from_list,
    find_by_ids,
    payment_button,
    payment_from_answer,
    picked_transaction_id,
    reset_choices,
    say_identified,
    understand,
)
from service_kit.amounts import yuan

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
    CHOICES_SLOT,
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
        "两次", "2次", "二次", "两回", "2回", "重复", "两笔", "扣了两", "扣了我两", "扣我两",
        "多扣了一笔", "多扣了一次", "twice", "double", "duplicate", "two times", "2 times",
    )),
    (WRONG_AMOUNT, (
        "金额不对", "多扣", "扣多", "金额错", "不是这个数", "多收", "扣了我", "应该是",
        "wrong amount", "overcharged", "charged more", "too much", "should be", "should have been",
    )),
    (MERCHANT, (
        "商家", "没收到货", "没发货", "店家", "卖家", "说没收到", "还让我再付", "merchant",
        "seller", "shop", "store", "restaurant", "never arrived", "not received",
        "didn't receive", "never got", "never received",
    )),
)  # fmt: skip
# the four choices the customer is offered, as button payloads
DISPUTE_TYPES = (UNAUTHORIZED, DUPLICATE, WRONG_AMOUNT, MERCHANT)
CANCEL_PHRASES = ("算了", "不用了", "取消", "不处理了", "cancel", "never mind", "forget it")


def classify(message: str) -> str | None:
    """The kind of dispute a message describes, if it says (in either Chinese script)."""
    lowered = normalise(message)
    for dispute_type, words in KEYWORDS:
        if any(word in lowered for word in words):
            return dispute_type
    return None


_NO_FREEZE = re.compile(
    r"(?:不|别|先不|不用|不要|无需|没必要)\s*(?:要|用)?\s*冻|(?:don'?t|do not|no)\s+freeze"
)
_FREEZE = re.compile(r"冻结|冻上|冻住|freeze")


def freeze_answer(message: str) -> Optional[bool]:
    """Whether a message says yes or no to freezing; None when it says neither."""
    plain = normalise(message)
    if _NO_FREEZE.search(plain):
        return False
    said = yes_or_no(message)
    if said is not None:
        return said
    return True if _FREEZE.search(plain) else None


def extra_charge(group: DuplicateGroup) -> str:
    """The later charge of a duplicate group is the one to give back."""
    return group.transaction_ids[-1]


def request_key(tracker: Tracker, *parts: str) -> str:
    material = ":".join([tracker.sender_id, tracker.get_slot("dispute_request_id") or "", *parts])
    return hashlib.sha256(material.encode()).hexdigest()[:40]


class ActionStartDispute(AccountAction):
    """Opens a duplicate-charge case the customer described, or dispute_form for the rest."""

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
        """A double charge the customer reported → its case now; a payment of theirs that is
        still processing or failed → its state (nothing was taken twice); otherwise the form,
        with the payment they named to confirm. Nothing is filed for a payment they did not
        name or pick."""
        language = language_of(tracker)
        dispute_type = classify((tracker.latest_message or {}).get("text") or "")
        request_id = uuid.uuid4().hex
        picked = picked_transaction_id(tracker, self.name(), "dispute_form")
        resolution = Resolution(named=False)
        if not picked:
            _clues, resolution, _payments = await understand(backend, customer_id, tracker)
        if dispute_type == DUPLICATE:
            groups = await self._duplicates(customer_id, backend, picked, resolution)
            if groups and (picked or resolution.named or len(groups) == 1):
                # the customer said "charged twice" about these payments: that is the case
                return await self._open_duplicate(
                    customer_id, backend, dispatcher, tracker, groups[0], request_id
                )
            if not groups:
                dispatcher.utter_message(response="utter_no_duplicate_found")
            else:  # several pairs and nothing says which: the form offers the extra charges
                return self._form(request_id, DUPLICATE, [extra_charge(g) for g in groups])
        named = resolution.one
        if picked and named is None:
            try:
                named = await backend.get_transaction(customer_id, str(picked).upper())
            except NotFound:
                dispatcher.utter_message(
                    response="utter_transaction_not_found", transaction_id=picked
                )
                return self._form(request_id, dispute_type, [])
        if (
            named is not None
            and named.status in ("pending", "failed")
            and dispute_type
            in (
                None,
                DUPLICATE,
            )
        ):
            # 订酒店的钱扣了没有 / 酒店那笔是不是扣了两次: the answer is that payment's state
            return [
                SlotSet("flow_next", None),
                *reset_choices(),
                *await diagnose(named, customer_id, backend, dispatcher, language),
            ]
        if dispute_type == UNAUTHORIZED:
            dispatcher.utter_message(response="utter_unauthorized_urgent")
        if picked and named is not None:
            return self._form(request_id, dispute_type, [], transaction_id=named.id)
        if resolution.named and not resolution.matches:
            dispatcher.utter_message(response="utter_no_matching_payment")
        if resolution.one and dispute_type is None:
            # the kind of problem is asked first: say at once which payment was understood
            say_identified(dispatcher, resolution.one, language)
        # one match is confirmed before anything is filed; several are offered
        return self._form(request_id, dispute_type, [t.id for t in resolution.matches])

    @staticmethod
    def _form(
        request_id: str,
        dispute_type: Optional[str],
        choices: list[str],
        transaction_id: Optional[str] = None,
    ) -> Events:
        return [
            *[SlotSet(slot, None) for slot in FORM_SLOTS],
            SlotSet("dispute_request_id", request_id),
            SlotSet("dispute_type", dispute_type),
            SlotSet("dispute_transaction_id", transaction_id),
            SlotSet(CHOICES_SLOT, choices[:MAX_CHOICES] or None),
            SlotSet(CHOICES_FLOW_SLOT, None),
            SlotSet("flow_next", "dispute_form"),
        ]

    @staticmethod
    async def _duplicates(
        customer_id: str,
        backend: BackendClient,
        picked: Optional[str],
        resolution: Resolution,
    ) -> list[DuplicateGroup]:
        """The duplicate groups the customer can mean: those with a payment they named."""
        try:
            found = await backend.find_duplicate_charges(
                customer_id, str(picked).upper() if picked else None
            )
        except NotFound:
            return []
        groups = list(found.items)
        if resolution.named:
            named = {t.id for t in resolution.matches}
            groups = [g for g in groups if named.intersection(g.transaction_ids)]
        return groups

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
    """Asks which payment: confirms the one the customer described, offers the ones that fit,
    or their recent successful payments."""

    def name(self) -> str:
        """Called by dispute_form to ask for dispute_transaction_id."""
        return "action_ask_dispute_transaction_id"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        """One payment to confirm, or one button per payment; remembers what was offered."""
        customer_id = flow_customer_id(tracker)
        if not customer_id:
            dispatcher.utter_message(response="utter_ask_dispute_transaction_id", buttons=[])
            return []
        language = language_of(tracker)
        offered = tracker.get_slot(CHOICES_SLOT) or []
        backend = get_backend_client()
        with conversation(tracker.sender_id):
            if len(offered) == 1:
                found = await find_by_ids(backend, customer_id, offered)
                if found:
                    ask_to_confirm(dispatcher, found[0], language)
                    return []
            if offered:
                buttons = await choice_buttons(backend, customer_id, offered, language, "inform")
                dispatcher.utter_message(response="utter_which_of_these", buttons=buttons)
                return []
            page = await backend.list_transactions(
                customer_id,
                status=["success", "partially_refunded"],
                since=datetime.now(timezone.utc) - LOOKBACK,
                limit=MAX_CHOICES,
            )
        buttons = [payment_button(t, language, "inform") for t in page.items]
        dispatcher.utter_message(response="utter_ask_dispute_transaction_id", buttons=buttons)
        return [SlotSet(CHOICES_SLOT, [t.id for t in page.items] or None)]


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

    async def extract_dispute_freeze_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The answer to "freeze your payment methods now?" in the customer's words (不冻结,
        先不用冻结, 赶紧冻结), whatever intent they were given; a button's affirm / deny and
        the plain yes / no the classifier catches come through the slot's own mappings."""
        if tracker.get_slot("requested_slot") != "dispute_freeze_confirmed":
            return {}
        message = (tracker.latest_message or {}).get("text") or ""
        if message.startswith("/"):
            return {}
        answer = freeze_answer(message)
        return {} if answer is None else {"dispute_freeze_confirmed": answer}

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

    async def extract_dispute_transaction_id(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The answer to "which payment?" / "is it this one?", whatever intent it was given
        (对, 不是, 算了, 第二个, 京东那笔, an id); validation reads it. Only the asked slot is
        set here: rasa-sdk drops the other slots an extraction sets."""
        if tracker.get_slot("requested_slot") != "dispute_transaction_id" or entity_value(
            tracker, "transaction_id"
        ):
            return {}
        message = tracker.latest_message or {}
        text = (message.get("text") or "").strip()
        intent = (message.get("intent") or {}).get("name")
        if text.startswith("/"):  # the yes / no buttons of "is it this one?"
            answer = {"affirm": "yes", "deny": "no"}.get(intent or "")
        elif intent == "deny":
            answer = text  # a no of any wording: validation decides what it drops
        else:
            answer = answer_text(tracker, "transaction_dispute")
        return {} if answer is None else {"dispute_transaction_id": answer}

    async def validate_dispute_transaction_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A payment of this customer that they gave by id, picked, or confirmed; one they only
        described is named back to confirm first. 对 confirms the one payment offered, 不是
        shows the others instead, 算了 (or a no to a whole list) drops the dispute."""
        customer_id = flow_customer_id(tracker)
        answer = str(value or "").strip()
        if not customer_id or not answer:
            return {"dispute_transaction_id": None}
        offered = tracker.get_slot(CHOICES_SLOT) or []
        said = yes_or_no(answer)
        if is_cancel(answer) and not is_transaction_id(answer):
            return {"dispute_transaction_id": None, "dispute_cancelled": True}
        if said is True:
            if len(offered) != 1:  # a yes to a list says nothing: the question again
                return {"dispute_transaction_id": None}
            return {"dispute_transaction_id": offered[0], CHOICES_SLOT: None}
        denied = ((tracker.latest_message or {}).get("intent") or {}).get("name") == "deny"
        if (said is False or denied) and not correction(answer):
            if len(offered) == 1:  # not that one: the question shows their recent payments
                return {"dispute_transaction_id": None, CHOICES_SLOT: None}
            return {"dispute_transaction_id": None, "dispute_cancelled": True}
        backend = get_backend_client()
        with conversation(tracker.sender_id):
            transaction_id, more = await payment_from_answer(
                answer, tracker, dispatcher, backend, customer_id
            )
            if transaction_id is None:
                return {"dispute_transaction_id": None, **more}
            try:
                await backend.get_transaction(customer_id, transaction_id)
            except NotFound:
                dispatcher.utter_message(
                    response="utter_transaction_not_found", transaction_id=transaction_id
                )
                return {"dispute_transaction_id": None}
        if not (is_transaction_id(answer) or chosen_from_list(tracker, answer)):
            # described (京东那笔): say it back and wait for the customer's yes
            return {"dispute_transaction_id": None, CHOICES_SLOT: [transaction_id]}
        return {"dispute_transaction_id": transaction_id, CHOICES_SLOT: None}


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
