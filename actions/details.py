"""查看详情 / More details: the full steps behind a short answer (issue 19, docs/style.md).

A long checklist is written as a short answer (the one or two steps that help most) with a
「查看详情 / More details」button, and a sibling response ``<name>_details`` with every step. The
button's payload names the sibling (``/more_details{"details": "utter_…_details"}``); a customer
who types 详细说说 / tell me more instead gets the details of the latest short answer that
offered some.

Which details may be shown is read from the conversation itself, not from the message: only
a ``_details`` response of the allow-list below that the bot offered in a button of this
conversation (and, when the domain is sent, one the domain has). A hand-typed payload cannot
make the bot utter any other response. We do not rely on Rasa's ``utter_action`` metadata
to find the latest answer: the checklists are uttered by custom actions, and Rasa 3.6
records that name only for responses its policies predicted, so the offered buttons are the
one record every answer leaves.
"""

from __future__ import annotations

import json
import re
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import Events, entity_value

INTENT = "more_details"
ENTITY = "details"
# the button payload that asks for details: /more_details{"details": "utter_…_details"}
DETAILS_PAYLOAD = re.compile(rf"^/{INTENT}(\{{.*\}})\s*$", re.S)
# nothing offered yet: ask what the customer would like to know more about
NOTHING_OFFERED = "utter_ask_which_details"
# the full steps behind each short answer of domain.yml (a new split answer is added here)
DETAILS_RESPONSES = frozenset(
    {
        "utter_payment_failed_checklist_details",
        "utter_login_problem_checklist_details",
        "utter_login_active_checklist_details",
        "utter_request_refund_guide_details",
        "utter_transaction_dispute_guide_details",
        "utter_refund_status_guide_details",
    }
)


def details_in_payload(payload: Any) -> Optional[str]:
    """The details response a button payload asks for, or None for any other payload."""
    match = DETAILS_PAYLOAD.match(str(payload or "").strip())
    if not match:
        return None
    try:
        entities = json.loads(match.group(1))
    except ValueError:
        return None
    name = entities.get(ENTITY) if isinstance(entities, dict) else None
    return name if name in DETAILS_RESPONSES else None


def offered_details(events: list[dict[str, Any]]) -> list[str]:
    """The details responses offered by the bot's buttons in this session, latest first."""
    offered: list[str] = []
    for event in reversed(events):
        if event.get("event") == "action" and event.get("name") == "action_session_start":
            break
        if event.get("event") != "bot":
            continue
        for button in (event.get("data") or {}).get("buttons") or []:
            name = details_in_payload(button.get("payload"))
            if name and name not in offered:
                offered.append(name)
    return offered


def details_to_show(
    requested: Optional[str], offered: list[str], responses: Optional[dict] = None
) -> Optional[str]:
    """The response to show: the one the button asked for if the bot offered it, else (typed
    or not offered) the latest offered; None when there is nothing to show. ``responses``
    (the domain's, when Rasa sent it) must have it as well."""
    known = [name for name in offered if not responses or name in responses]
    if requested in known:
        return requested
    return known[0] if known else None


class ActionShowDetails(Action):
    """Utters the full steps behind the latest short answer, then goes back to whatever was
    open: the form's next question (RulePolicy returns to an active form by itself) or the
    "did that solve it?" question of a checklist."""

    def name(self) -> str:
        return "action_show_details"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Events:
        requested = entity_value(tracker, ENTITY)
        chosen = details_to_show(
            requested if isinstance(requested, str) else None,
            offered_details(tracker.events),
            (domain or {}).get("responses"),
        )
        if chosen is None:
            dispatcher.utter_message(response=NOTHING_OFFERED)
            return []
        dispatcher.utter_message(response=chosen)
        # a checklist asked "did that solve it?": the question is still open, ask it again
        # under the full steps so a yes or no keeps its meaning
        if tracker.get_slot("awaiting_resolution") and not tracker.active_loop_name:
            dispatcher.utter_message(response="utter_ask_problem_solved")
        return []
