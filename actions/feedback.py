"""Customer satisfaction: a 1-5 rating and an optional comment, once per conversation.

Asked when a conversation ends well — the customer confirms the problem is solved, says
goodbye, or an agent closes the conversation — and never in the middle of a flow. The actions
that end a conversation call ``ask_for_rating``, which opens ``rating_form``: inside a bot turn
the form itself asks next; an action the desk runs through Rasa's HTTP API (no bot turn
follows it) asks at once and marks the score as the awaited answer. Skipping is always
possible. The rating goes to the desk with what it needs for analytics (channel,
language, whether a person took part, the main intent); a 1 or 2 offers a person.

The rating question is never an "anything else?" question: a goodbye or a thanks at it skips
it, and a new question typed at it leaves the form (``action_leave_rating``, rules in
data/rules.yml) and is served, keeping a score already given.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clients.desk import get_desk_client
from actions.common import Events, LeavableFormValidation, channel_of
from actions.i18n import language_of
from actions.summary import main_intent
from service_kit.redaction import redact

FORM_SLOTS = ("rating_score", "rating_comment", "rating_skipped")
SKIP_WORDS = (
    "跳过",
    "跳過",
    "不评",
    "不用",
    "算了",
    "不了",
    "没有",
    "沒有",
    "没事",
    "沒事",
    "不需要",
    "skip",
    "no thanks",
    "later",
    "nope",
    "that's all",
)
# a message of these intents without a score closes the conversation rather than rating it
# (拜拜 / 谢谢 at the score question): a skip, not "please reply with 1 to 5"
CLOSING_INTENTS = ("goodbye", "thank", "deny")
NO_COMMENT = "-"
LOW_RATING = 2

_STARS = re.compile(r"[★⭐]")
_DIGIT = re.compile(r"(?<!\d)([1-5])(?!\d)")
_CHINESE_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_COMMENT = re.compile(r"(?:意见|意見|评价|comment)\s*[:：]\s*(.+)$", re.IGNORECASE | re.S)


def parse_rating(answer: str) -> tuple[Optional[int], Optional[str]]:
    """Score (1-5) and comment of an answer: "5", "4分", "★★★", "五星", "评分：4 分；意见：…"."""
    comment_match = _COMMENT.search(answer)
    comment = comment_match.group(1).strip() if comment_match else None
    head = answer[: comment_match.start()] if comment_match else answer
    stars = len(_STARS.findall(head))
    if 1 <= stars <= 5:
        return stars, comment
    digit = _DIGIT.search(head)
    if digit:
        return int(digit.group(1)), comment
    for word, value in _CHINESE_DIGITS.items():
        if f"{word}星" in head or f"{word}分" in head:
            return value, comment
    return None, comment


def is_skip(answer: str) -> bool:
    """A short answer that declines: 跳过, 不用了, 没事, skip."""
    lowered = answer.strip().lower()
    return any(word in lowered for word in SKIP_WORDS) and len(lowered) <= 12


def closes(tracker: Tracker) -> bool:
    """The latest message says goodbye, thanks or no, as the classifier read it."""
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    return intent in CLOSING_INTENTS


def session_started_at(tracker: Tracker) -> str:
    """When the current session (the conversation being rated) started, as an id for it."""
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            return str(event.get("timestamp") or "")
    return ""


def human_involved(tracker: Tracker) -> bool:
    """A desk ticket was opened in this conversation."""
    return any(
        e.get("event") == "action" and e.get("name") == "action_hand_off" for e in tracker.events
    )


def ask_for_rating(
    dispatcher: CollectingDispatcher, tracker: Tracker, ask_now: bool = False
) -> Events:
    """Opens rating_form, unless this conversation was asked already or a flow is running."""
    if tracker.get_slot("rating_asked") or tracker.active_loop.get("name"):
        return []
    events: Events = [
        *[SlotSet(slot, None) for slot in FORM_SLOTS],
        SlotSet("rating_asked", True),
        ActiveLoop("rating_form"),
    ]
    if ask_now:
        dispatcher.utter_message(response="utter_ask_rating_score")
        events.append(SlotSet("requested_slot", "rating_score"))
    return events


async def post_rating(tracker: Tracker) -> None:
    """Sends the score (and comment) in the slots to the desk, kept in the outbox if it is down."""
    comment = tracker.get_slot("rating_comment")
    await get_desk_client().rate(
        {
            "conversation_id": tracker.sender_id,
            "session_id": session_started_at(tracker) or None,
            "channel": channel_of(tracker),
            "language": language_of(tracker),
            "human_involved": human_involved(tracker),
            "main_intent": main_intent(tracker),
            "score": int(tracker.get_slot("rating_score")),
            "comment": None if comment in (None, NO_COMMENT) else comment,
            "rated_at": datetime.now(timezone.utc).isoformat(),
        }
    )


def say_goodbye(dispatcher: CollectingDispatcher, tracker: Tracker) -> Events:
    """The closing line, and the rating question if it was not asked yet."""
    dispatcher.utter_message(response="utter_goodbye")
    return ask_for_rating(dispatcher, tracker)


def goodbye_if_said(dispatcher: CollectingDispatcher, tracker: Tracker) -> Events:
    """After a flow stopped by a message that also says goodbye (好吧 那算了 再见): close
    as any goodbye does, instead of leaving the customer at "需要的时候随时找我"."""
    if (tracker.latest_message.get("intent") or {}).get("name") != "goodbye":
        return []
    return say_goodbye(dispatcher, tracker)


class ActionSayGoodbye(Action):
    """Goodbye, and the rating question if it was not asked yet."""

    def name(self) -> str:
        """Action name used in the rules."""
        return "action_say_goodbye"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        """Says goodbye; asks for a rating once per conversation."""
        return say_goodbye(dispatcher, tracker)


class ValidateRatingForm(LeavableFormValidation):
    """Reads a score from stars, digits or words; a skip ends the form."""

    left_slot = "rating_skipped"

    def name(self) -> str:
        """Validation action of rating_form."""
        return "validate_rating_form"

    async def validate_rating_score(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """1-5; a comment given along with it fills rating_comment too."""
        if value is None:  # a reset, not an answer
            return {"rating_score": None}
        answer = str(value).strip()
        score, comment = parse_rating(answer)
        if score is None and (is_skip(answer) or closes(tracker)):
            return {"rating_score": None, "rating_skipped": True}
        if score is None:
            dispatcher.utter_message(response="utter_rating_unclear")
            return {"rating_score": None}
        slots: dict[str, Any] = {"rating_score": float(score)}
        if comment is not None or "评分" in answer:  # the widget sends score and comment at once
            slots["rating_comment"] = redact(comment)[0] if comment else NO_COMMENT
        return slots

    async def validate_rating_comment(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Any text; a skip means no comment."""
        if value is None:
            return {"rating_comment": None}
        answer = str(value).strip()
        if not answer or is_skip(answer):
            return {"rating_comment": NO_COMMENT}
        return {"rating_comment": redact(answer[:1000])[0]}


class ActionSubmitRating(Action):
    """Stores the rating at the desk and thanks the customer; a low score offers a person."""

    def name(self) -> str:
        """Runs when rating_form is complete."""
        return "action_submit_rating"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        """Posts the rating (kept in the outbox if the desk is down)."""
        reset = [SlotSet(slot, None) for slot in FORM_SLOTS]
        score = tracker.get_slot("rating_score")
        if tracker.get_slot("rating_skipped") or score is None:
            dispatcher.utter_message(response="utter_rating_skipped")
            return reset
        await post_rating(tracker)
        if int(score) <= LOW_RATING:
            dispatcher.utter_message(response="utter_rating_low")
            return [*reset, SlotSet("handoff_reason", "low_rating")]
        dispatcher.utter_message(response="utter_rating_thanks")
        return reset


class ActionLeaveRating(Action):
    """A new question typed at the rating question: the form ends, the question is served.

    A score already given (the comment question was open) is kept, without a comment; rules
    in data/rules.yml run the question's flow next.
    """

    def name(self) -> str:
        """Runs instead of rating_form when a support intent comes in."""
        return "action_leave_rating"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        """Deactivates rating_form; stores the score if there is one."""
        if tracker.get_slot("rating_score") is not None:
            await post_rating(tracker)
        return [
            ActiveLoop(None),
            SlotSet("requested_slot", None),
            *[SlotSet(slot, None) for slot in FORM_SLOTS],
        ]
