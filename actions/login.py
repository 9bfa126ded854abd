"""Cannot log in: read the account status and take the path it calls for.

Locked (too many wrong passwords): the reason, and the unlock path — a verification code and
the secure page. Locked by risk control, or frozen: only a person can help, and the customer is
told so (no self-unlock promised). Active: the device and verification-code checklist, then
whether that solved it. A stolen account (账号被盗了登不上) is not a login problem but an
emergency: the account-takeover path of actions/scam.py, for anonymous customers too.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clients.payment_backend import BackendClient
from actions.common import AccountAction, Events, ask_if_solved, hand_off
from actions.formatting import local_time
from actions.i18n import TEXTS, language_of, text
from actions.password import UNLOCK, start_reset_form
from actions.scam import ACCOUNT_TAKEOVER, is_account_takeover, protect_anonymous, protect_customer


class ActionDiagnoseLogin(AccountAction):
    """Explains why the customer cannot log in, from their account status."""

    general_response = "utter_login_problem_checklist"
    checked_data = "checked.status"

    def name(self) -> str:
        """Action name used in the domain and rules."""
        return "action_diagnose_login"

    async def run_anonymous(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        """The published checklist, then whether it helped; a stolen account goes to a person."""
        if is_account_takeover((tracker.latest_message or {}).get("text") or ""):
            # they cannot get in, so nothing is frozen here: the hotline verifies them through
            # the registered phone, and a person takes over at once
            return protect_anonymous(dispatcher, ACCOUNT_TAKEOVER)
        dispatcher.utter_message(response=self.general_response)
        return ask_if_solved(dispatcher)

    async def run_for_customer(
        self,
        customer_id: str,
        backend: BackendClient,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> Events:
        """Stolen → protection path; locked → unlock path or a person; frozen → a person;
        active → checklist."""
        if is_account_takeover((tracker.latest_message or {}).get("text") or ""):
            return protect_customer(dispatcher, ACCOUNT_TAKEOVER)
        customer = await backend.get_customer(customer_id)
        if customer.status == "frozen":
            dispatcher.utter_message(response="utter_account_frozen")
            return [SlotSet("diagnosis", "account frozen"), *hand_off("account_frozen")]
        if customer.status == "locked":
            language = language_of(tracker)
            key = f"lock.{customer.lock_reason}"
            reason = text(key if key in TEXTS else "lock.other", language)
            locked_at = local_time(customer.locked_at, language)
            diagnosis = (
                f"login locked: {customer.lock_reason} ({customer.failed_login_count} failures)"
            )
            if not customer.can_self_unlock:
                # only a person lifts this lock: say so instead of offering a code first
                dispatcher.utter_message(
                    response="utter_login_locked_needs_agent", reason=reason, locked_at=locked_at
                )
                return [SlotSet("diagnosis", diagnosis), *hand_off("account_frozen")]
            dispatcher.utter_message(
                response="utter_login_locked",
                reason=reason,
                failed_count=customer.failed_login_count,
                locked_at=locked_at,
            )
            return [SlotSet("diagnosis", diagnosis), *start_reset_form(UNLOCK)]
        dispatcher.utter_message(response="utter_login_active_checklist")
        return [
            SlotSet("diagnosis", "account active; device/code checklist"),
            *ask_if_solved(dispatcher),
        ]
