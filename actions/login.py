"""Cannot log in: read the account status and take the path it calls for.

Locked (too many wrong passwords): the reason, and the unlock path — a verification code and
the secure page. Frozen (risk control): only a person can help. Active: the device and
verification-code checklist, then whether that solved it.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.backend_client import BackendClient
from actions.common import AccountAction, Events, ask_if_solved, hand_off
from actions.formatting import local_time
from actions.password import UNLOCK, start_reset_form

LOCK_REASONS = {
    "too_many_failed_logins": "密码连续输错次数太多，系统为保护您的账户临时锁定了登录",
    "risk_control": "系统检测到异常登录风险，临时锁定了登录",
    "customer_request": "您之前申请过锁定账户",
}


class ActionDiagnoseLogin(AccountAction):
    """Explains why the customer cannot log in, from their account status."""

    general_response = "utter_login_problem_checklist"
    checked_data = "您的账户状态"

    def name(self) -> str:
        """Action name used in the domain and rules."""
        return "action_diagnose_login"

    async def run_anonymous(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        """The published checklist, then whether it helped."""
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
        """Locked → unlock path; frozen → a person; active → checklist."""
        customer = await backend.get_customer(customer_id)
        if customer.status == "frozen":
            dispatcher.utter_message(response="utter_account_frozen")
            return [SlotSet("diagnosis", "account frozen"), *hand_off("account_frozen")]
        if customer.status == "locked":
            reason = LOCK_REASONS.get(customer.lock_reason or "", "账户出于安全原因被临时锁定")
            dispatcher.utter_message(
                response="utter_login_locked",
                reason=reason,
                failed_count=customer.failed_login_count,
                locked_at=local_time(customer.locked_at),
            )
            diagnosis = (
                f"login locked: {customer.lock_reason} ({customer.failed_login_count} failures)"
            )
            if not customer.can_self_unlock:
                return [SlotSet("diagnosis", diagnosis), *hand_off("account_frozen")]
            return [SlotSet("diagnosis", diagnosis), *start_reset_form(UNLOCK)]
        dispatcher.utter_message(response="utter_login_active_checklist")
        return [
            SlotSet("diagnosis", "account active; device/code checklist"),
            *ask_if_solved(dispatcher),
        ]
