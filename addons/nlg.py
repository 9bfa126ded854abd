"""Response generation: Rasa's response templates in the conversation's language, plus
eepay's safety notice.

Languages: the conversation's language is computed from its messages
(``service_kit.language.conversation_language``) and given to Rasa's variation filter as the
``language`` slot, so a response's English variant, a conditional variation on that slot in
domain.yml, is picked for English conversations. When a message changes the language, the
first reply says so to the front end (``custom: {"type": "language", ...}``) so the widget's
own texts follow. Traditional Chinese is the Simplified text converted by OpenCC at render
time, buttons included, in the usage of the customer's region (Taiwan or Hong Kong,
``service_kit.language.conversation_region``): one source text for both scripts, so they
cannot drift apart (tests check that every response has an English variant and that
Traditional output has no Simplified-only characters).

When the customer has just typed a secret (see ``addons.nlu.sensitive_data_detector``), the first
reply of the bot's turn starts with ``utter_sensitive_data_warning``: we never need their
password, code or card number, it has been masked, and they should change it if it was real.
The notice rides on the reply instead of being a dialogue action of its own, so it can never
derail the rules and stories that decide what the bot says next.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Optional

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from addons.nlu.sensitive_data_detector import SENSITIVE_DATA
from service_kit.language import (
    TRADITIONAL,
    conversation_language,
    conversation_region,
    localise,
    to_simplified,
)
from service_kit.policy import POLICY_PLACEHOLDERS

WARNING_RESPONSE = "utter_sensitive_data_warning"


def _unanswered_secret_message(tracker: DialogueStateTracker) -> Optional[UserUttered]:
    """The latest user message if it held a secret and the bot has not answered it yet."""
    for event in reversed(tracker.events):
        if isinstance(event, BotUttered):
            return None
        if isinstance(event, UserUttered):
            return event if (event.parse_data or {}).get(SENSITIVE_DATA) else None
    return None


def in_language(
    response: dict[str, Any], language: str, region: Optional[str] = None
) -> dict[str, Any]:
    """The response in Traditional Chinese of ``region`` when the conversation is in zh-Hant.

    Pieces an action filled in may already be in Traditional characters (actions.i18n): the
    whole text is taken back to Simplified first, so that it is converted once, in one usage.
    """

    def render(text: str) -> str:
        return localise(to_simplified(text) if region else text, language, region)

    if response.get("text"):
        response["text"] = render(response["text"])
    for button in response.get("buttons") or []:
        if button.get("title"):
            button["title"] = render(button["title"])
    return response


def _user_messages(tracker: DialogueStateTracker) -> list[tuple[dict, dict]]:
    return [
        (event.parse_data or {}, event.metadata or {})
        for event in tracker.events
        if isinstance(event, UserUttered)
    ]


def tracker_language(tracker: DialogueStateTracker) -> tuple[str, str]:
    """The conversation's language now, and before its latest user message."""
    messages = _user_messages(tracker)
    return conversation_language(messages), conversation_language(messages[:-1])


def tracker_region(tracker: DialogueStateTracker) -> str:
    """Whose Traditional Chinese the conversation's replies use (Taiwan's or Hong Kong's)."""
    return conversation_region(_user_messages(tracker))


class EepayNaturalLanguageGenerator(TemplatedNaturalLanguageGenerator):
    """Domain responses, with the secret-sharing notice put in front when it is due."""

    def __init__(
        self, endpoint_config: Optional[EndpointConfig] = None, domain: Optional[Domain] = None
    ) -> None:
        """Loaded by Rasa from ``nlg: type: addons.nlg.EepayNaturalLanguageGenerator``."""
        super().__init__((domain or Domain.empty()).responses)
        # Messages already warned about, and language changes already announced. A custom
        # action renders all its responses against the same tracker, so the tracker alone
        # cannot tell the first reply from the second.
        self._done: OrderedDict[tuple, None] = OrderedDict()

    def _first_time(self, *key: object) -> bool:
        if key in self._done:
            return False
        self._done[key] = None
        while len(self._done) > 10_000:
            self._done.popitem(last=False)
        return True

    def _first_warning_for(self, tracker: DialogueStateTracker) -> bool:
        message = _unanswered_secret_message(tracker)
        if message is None:
            return False
        return self._first_time("warn", tracker.sender_id, message.message_id, message.timestamp)

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> Optional[dict[str, Any]]:
        """The response for ``utter_action``, prefixed by the notice when one is due."""
        language, before = tracker_language(tracker)
        slots = {**POLICY_PLACEHOLDERS, **tracker.current_slot_values(), "language": language}
        response = self.generate_from_slots(utter_action, slots, output_channel, **kwargs)
        if response is None:
            return None
        if utter_action != WARNING_RESPONSE and self._first_warning_for(tracker):
            warning = self.generate_from_slots(WARNING_RESPONSE, slots, output_channel)
            if warning and warning.get("text"):
                body = response.get("text")
                response["text"] = f"{warning['text']}\n\n{body}" if body else warning["text"]
        latest = tracker.latest_message
        if language != before and self._first_time(
            "language", tracker.sender_id, getattr(latest, "message_id", None)
        ):
            custom = response.get("custom")
            if isinstance(custom, dict):
                custom.setdefault("language", language)
            else:
                response["custom"] = {"type": "language", "language": language}
        region = tracker_region(tracker) if language == TRADITIONAL else None
        return in_language(response, language, region)
