"""The domain sent to the action server without its responses.

Target: ``RemoteAction._action_call_format``.

Why: the form validators, the only actions that ask for the domain (``send_domain`` in
domain.yml), got all of it on every validation call, and most of it is the responses, text
only the Rasa server renders: Rasa serialised it and the action server parsed it on every
call. rasa-sdk reads the domain's slots and forms; eepay's actions send response names and
never read the responses.

Why it is equivalent: the request is Rasa's, with ``domain`` (when Rasa sends one) replaced by
the same dictionary minus ``responses``; the validators answer the same either way
(tests/addons/serving/test_action_domain.py runs them on both). With the patch off the action
server gets the whole domain again, which is only slower.
"""

from __future__ import annotations

from typing import Any

from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from addons.serving.patching import Patch

DOMAIN_FOR_ACTIONS_ATTRIBUTE = "_eepay_domain_for_actions"


def domain_for_actions(domain: Domain) -> dict[str, Any]:
    """The domain as the action server gets it: Rasa's ``as_dict`` without the responses
    (built once per domain, which does not change while it is served)."""
    cached = domain.__dict__.get(DOMAIN_FOR_ACTIONS_ATTRIBUTE)
    if cached is None:
        cached = {key: value for key, value in domain.as_dict().items() if key != "responses"}
        domain.__dict__[DOMAIN_FOR_ACTIONS_ATTRIBUTE] = cached
    return cached


def action_call_format(
    self: RemoteAction, tracker: DialogueStateTracker, domain: Domain
) -> dict[str, Any]:
    """Rasa's request to the action server, with the domain (when sent) without responses."""
    result = PATCH.original(self, tracker, domain)
    if "domain" in result:
        result["domain"] = domain_for_actions(domain)
    return result


PATCH = Patch(
    "rasa.core.actions.action.RemoteAction._action_call_format",
    action_call_format,
    reviewed={"rasa.core.actions.action.RemoteAction._action_call_format": "2fc397141fb62cd0"},
)
PATCHES = (PATCH,)


def install() -> None:
    """Replaces Rasa's request format (idempotent)."""
    PATCH.install()
