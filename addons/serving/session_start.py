"""``action_session_start`` in the Rasa server: Rasa's session start, plus eepay's two rules.

Target: ``ActionSessionStart`` as ``rasa.core.actions.action`` builds it among its default
actions (``default_actions``).

Why: Rasa starts a new session on a conversation's first message and after
``session_expiration_time`` of silence. eepay's session start differs from Rasa's default in
two ways:

* a new session is no longer paused, so a customer who waits overnight for an agent (after
  hours) would get the bot back in the morning, in the middle of their ticket: while a desk
  ticket is open (``handoff_ticket`` is set) the new session starts paused again;
* slots about one conversation, not about the customer (``PER_CONVERSATION``), are not
  carried over: a returning customer is asked for a rating again, and no old "did that help?"
  lingers.

This patch changes behaviour, not speed, so ``addons.serving.install_all`` installs it even
with ``RASA_PATCHES=off`` (docs/upgrading-rasa.md says why). Rasa's only sanctioned way to
change the session start is a custom action on the action server: one more round trip on
every new conversation's first message, the turns that are already the slowest, for a rule
that needs nothing but the tracker. So ``action_session_start`` is not a custom action in
domain.yml, and this class takes the place of Rasa's default one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rasa.core.actions.action import ActionSessionStart
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import (
    ActionExecuted,
    ConversationPaused,
    Event,
    SessionStarted,
    SlotSet,
)

from addons.serving.patching import Patch

if TYPE_CHECKING:
    from rasa.core.channels.channel import OutputChannel
    from rasa.core.nlg import NaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

PER_CONVERSATION = frozenset({"requested_slot", "rating_asked", "awaiting_resolution", "flow_next"})


class EepaySessionStart(ActionSessionStart):
    """Rasa's session start; paused while a ticket is open; per-conversation slots dropped."""

    async def run(
        self,
        output_channel: OutputChannel,
        nlg: NaturalLanguageGenerator,
        tracker: DialogueStateTracker,
        domain: Domain,
    ) -> list[Event]:
        """SessionStarted, the carried-over slots, a pause if a ticket is open, then listen."""
        events: list[Event] = [SessionStarted()]
        if domain.session_config.carry_over_slots:
            events += [
                SlotSet(name, value)
                for name, value in tracker.current_slot_values().items()
                if value is not None and name not in PER_CONVERSATION
            ]
        if tracker.get_slot("handoff_ticket"):
            events.append(ConversationPaused())
        events.append(ActionExecuted(ACTION_LISTEN_NAME))
        return events


PATCH = Patch(
    "rasa.core.actions.action.ActionSessionStart",
    EepaySessionStart,
    reviewed={
        "rasa.core.actions.action.ActionSessionStart": "bfe38dabecf05ef2",
        "rasa.core.actions.action.default_actions": "5c6dee0cc52b1aaf",
    },
)
PATCHES = (PATCH,)


def install() -> None:
    """Makes Rasa's default ``action_session_start`` this one (idempotent)."""
    PATCH.install()
