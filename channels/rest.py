"""REST channel: ``POST /webhooks/rest/webhook`` with the inbound guard and request checks.

Same URL and response as Rasa's built-in REST channel (a list of bot messages), plus:
a malformed request gets a 400 with a JSON ``{"code", "message"}`` instead of an empty
list, and every message passes ``channels.guard``.
"""

from __future__ import annotations

from typing import Any, Optional

from rasa.core.channels import rest
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.guard import Handler, guarded

MAX_SENDER_CHARS = 128  # tracker stores index sender ids as VARCHAR(255)


def request_error(body: Any) -> Optional[str]:
    """Why a webhook request body is unacceptable, or None."""
    if not isinstance(body, dict):
        return "body must be a JSON object"
    sender = body.get("sender")
    if not isinstance(sender, (str, int)) or isinstance(sender, bool) or str(sender).strip() == "":
        return "sender must be a non-empty string"
    if len(str(sender)) > MAX_SENDER_CHARS:
        return f"sender must be at most {MAX_SENDER_CHARS} characters"
    if "message" not in body or not isinstance(body["message"], str):
        return "message must be a string"
    if body.get("metadata") is not None and not isinstance(body["metadata"], dict):
        return "metadata must be a JSON object"
    return None


class RestInput(rest.RestInput):
    """Rasa's REST channel behind eepay's inbound guard."""

    @classmethod
    def name(cls) -> str:
        """Keeps the contract URL /webhooks/rest/webhook."""
        return "rest"

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        """Rasa's REST blueprint with validated requests and guarded messages."""
        blueprint = super().blueprint(guarded(on_new_message))

        @blueprint.middleware("request")
        async def validate(request: Request) -> Optional[HTTPResponse]:
            if request.method != "POST" or not request.path.endswith("/webhook"):
                return None
            try:
                body = request.json
            except Exception:  # sanic raises InvalidUsage on broken JSON
                body = None
            error = request_error(body)
            if error:
                return response.json({"code": "invalid_request", "message": error}, status=400)
            return None

        return blueprint

