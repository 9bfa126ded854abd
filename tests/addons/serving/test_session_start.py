"""eepay's session start runs in the Rasa server: Rasa's, paused while a ticket is open, and
without the per-conversation slots."""

from __future__ import annotations

from pathlib import Path

import pytest
import rasa.core.actions.action
from rasa.core.actions.action import action_for_name_or_text
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from addons.serving import session_start
from addons.serving.session_start import EepaySessionStart

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture(autouse=True)
def _installed(install_patches) -> None:
    install_patches(session_start)


def tracker(domain: Domain, **slots: object) -> DialogueStateTracker:
    events = [ActionExecuted("action_listen"), UserUttered("还在吗", {"name": "greet"})]
    events += [SlotSet(name, value) for name, value in slots.items()]
    return DialogueStateTracker.from_events("s1", events, domain.slots)


async def run(domain: Domain, state: DialogueStateTracker) -> list:
    action = action_for_name_or_text("action_session_start", domain, None)
    assert isinstance(action, EepaySessionStart)  # in the server, not a remote action
    return await action.run(None, None, state, domain)


async def test_a_new_session_stays_paused_while_a_ticket_is_open(domain) -> None:
    events = await run(domain, tracker(domain, handoff_ticket="17", customer_id="u1001"))
    kinds = [e.type_name for e in events]
    assert kinds[0] == "session_started" and "pause" in kinds and kinds[-1] == "action"
    carried = {e.key: e.value for e in events if isinstance(e, SlotSet)}
    # every slot with a value is carried, the language's initial value included
    assert carried == {"handoff_ticket": "17", "customer_id": "u1001", "language": "zh-Hans"}


async def test_per_conversation_slots_are_not_carried_over(domain) -> None:
    events = await run(
        domain, tracker(domain, customer_id="u1002", rating_asked=True, flow_next="x")
    )
    assert "pause" not in [e.type_name for e in events]
    assert {e.key for e in events if isinstance(e, SlotSet)} == {"customer_id", "language"}


def test_the_domain_leaves_the_session_start_to_the_server(domain) -> None:
    assert "action_session_start" not in domain.user_actions
    assert rasa.core.actions.action.ActionSessionStart is EepaySessionStart
