"""The action server's answers checked by their shape instead of Rasa's JSON schema.

Target: ``RemoteAction._validate_action_result``.

Why: Rasa calls ``jsonschema.validate`` on every answer of the action server, and ``validate``
first checks the *schema itself* against the JSON-Schema meta-schema, every time; then it
matches every event against a ``oneOf`` of all event types. That is one of the largest costs
of a turn that runs a custom action.

Why it is equivalent for eepay: the action server is our own code, and every event it
returns is deserialised right after the check (an unknown or malformed event fails there, as
with Rasa's schema). So the answer's shape is checked directly: an object whose ``events``
and ``responses`` are lists of objects, each event naming its type. A violation raises
jsonschema's ``ValidationError`` with Rasa's message, as before.
"""

from __future__ import annotations

from typing import Any, Optional

from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

from addons.serving.patching import Patch


def shape_error(result: Any) -> Optional[str]:
    """What is wrong with the shape of an action server's answer, or None."""
    if not isinstance(result, dict):
        return "the answer is not a JSON object"
    for key in ("events", "responses"):
        items = result.get(key, [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            return f"'{key}' is not a list of objects"
    if not all(isinstance(e.get("event"), str) for e in result.get("events", [])):
        return "an event does not name its type"
    return None


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """Rasa's ``_validate_action_result``: True, or ``ValidationError`` with Rasa's message."""
    problem = shape_error(result)
    if problem:
        raise ValidationError(
            f"{problem}. Failed to validate Action server response from API, make sure your "
            f"response from the Action endpoint is valid. For more information about the "
            f"format visit {DOCS_BASE_URL}/custom-actions"
        )
    return True


PATCH = Patch(
    "rasa.core.actions.action.RemoteAction._validate_action_result",
    validate_action_result,
    reviewed={
        "rasa.core.actions.action.RemoteAction._validate_action_result": "b6cd4cd8707c08a2",
        "rasa.core.actions.action.RemoteAction.action_response_format_spec": "d6efa03c6f8cfa5e",
    },
)
PATCHES = (PATCH,)


def install() -> None:
    """Replaces Rasa's schema check (idempotent)."""
    PATCH.install()
