"""REST channel: ``POST /webhooks/rest/webhook`` with the inbound guard and request checks.

Same URL and response as Rasa's built-in REST channel (a list of bot messages), plus:

* a malformed request gets a 400 with a JSON ``{"code", "message"}`` instead of an empty list,
  a body over ``MAX_BODY_BYTES`` a 413 before it is parsed, and every message passes
  ``channels.guard``;
* ``GET /webhooks/rest/messages?sender=…&since=…`` returns the bot's and agents' messages
  after a time. REST is request/response, so this is how a REST client (an app) receives what
  an agent writes from the desk. A conversation of a verified customer is only readable with
  that customer's token (``Authorization: Bearer …``).
"""

from __future__ import annotations

from typing import Any, Optional

from rasa.core.channels import rest
from rasa.shared.core.events import BotUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.guard import Handler, guarded
from service_kit import customer_token

MAX_SENDER_CHARS = 128  # tracker stores index sender ids as VARCHAR(255)
# A message of the guard's longest (5000 characters, each escaped as \uXXXX in the worst case)
# plus its metadata fits; anything larger is refused before its JSON is parsed. (Sanic's own
# REQUEST_MAX_SIZE is global to the server and must allow model uploads to the HTTP API.)
MAX_BODY_BYTES = 64 * 1024
TOO_LARGE_MESSAGE = (
    "消息太长了，请分成几条简短地发送。\nYour message is too long; please send it in shorter parts."
)


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


def bot_messages_since(events: list[Any], since: float) -> list[dict[str, Any]]:
    """Bot and agent messages of a tracker after ``since`` (a Unix timestamp)."""
    messages = []
    for event in events:
        if not isinstance(event, BotUttered) or (event.timestamp or 0) <= since:
            continue
        custom = (event.data or {}).get("custom") or {}
        is_agent = isinstance(custom, dict) and custom.get("type") == "agent_message"
        message: dict[str, Any] = {
            "text": event.text,
            "timestamp": event.timestamp,
            "sender": "agent" if is_agent else "bot",
        }
        if is_agent:
            message["agent_name"] = custom.get("agent_name") or ""
        if (event.data or {}).get("buttons"):
            message["buttons"] = event.data["buttons"]
        messages.append(message)
    return messages


def bearer_token(request: Request) -> Optional[str]:
    header = request.headers.get("Authorization") or ""
    return header[7:].strip() if header.lower().startswith("bearer ") else None


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
            if len(request.body or b"") > MAX_BODY_BYTES:
                return response.json(
                    {"code": "payload_too_large", "message": TOO_LARGE_MESSAGE}, status=413
                )
            try:
                body = request.json
            except Exception:  # sanic raises InvalidUsage on broken JSON
                body = None
            error = request_error(body)
            if error:
                return response.json({"code": "invalid_request", "message": error}, status=400)
            return None

        @blueprint.route("/messages", methods=["GET"])
        async def messages(request: Request) -> HTTPResponse:
            sender = request.args.get("sender") or ""
            if not sender or len(sender) > MAX_SENDER_CHARS:
                return response.json(
                    {"code": "invalid_request", "message": "sender is required"}, status=400
                )
            try:
                since = float(request.args.get("since") or 0)
            except ValueError:
                return response.json(
                    {"code": "invalid_request", "message": "since must be a Unix time"}, status=400
                )
            tracker = await request.app.ctx.agent.tracker_store.retrieve(sender)
            if tracker is None:
                return response.json({"messages": []})
            owner = tracker.get_slot("customer_id")
            if owner and customer_token.verify(bearer_token(request)) != owner:
                return response.json(
                    {
                        "code": "forbidden",
                        "message": "this conversation needs its customer's token",
                    },
                    status=403,
                )
            return response.json({"messages": bot_messages_since(list(tracker.events), since)})

        return blueprint
