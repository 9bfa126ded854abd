"""socket.io channel for the website and app chat widget, behind the inbound guard.

Same events and options as Rasa's built-in socket.io channel (``user_uttered`` /
``bot_uttered``, session persistence, ``metadata.customer_token``); every message passes
``channels.guard`` first. Messages an agent sends from the desk (a ``custom`` payload of type
``agent_message``, see docs/contracts.md) reach the widget as one ``bot_uttered`` event with
``metadata.sender == "agent"`` and the agent's display name.
"""

from __future__ import annotations

from typing import Any, Optional

from rasa.core.channels import socketio
from rasa.core.channels.channel import OutputChannel
from sanic import Blueprint

from channels.guard import Handler, guarded

AGENT_MESSAGE = "agent_message"


def agent_payload(message: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The widget event for an agent's message, or None for an ordinary bot message."""
    custom = message.get("custom")
    if not isinstance(custom, dict) or custom.get("type") != AGENT_MESSAGE:
        return None
    return {
        "text": message.get("text") or custom.get("text") or "",
        "metadata": {"sender": "agent", "agent_name": custom.get("agent_name") or ""},
    }


class SocketIOOutput(socketio.SocketIOOutput):
    """Rasa's socket.io output, with agent messages sent as one marked event."""

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Agent messages as one event; everything else as Rasa sends it."""
        payload = agent_payload(message)
        if payload is not None:
            await self._send_message(recipient_id, payload)
            return
        await super().send_response(recipient_id, message)


class SocketIOInput(socketio.SocketIOInput):
    """Rasa's socket.io channel behind eepay's inbound guard."""

    @classmethod
    def name(cls) -> str:
        """Keeps the channel name the widget and the desk address: socketio."""
        return "socketio"

    def get_output_channel(self) -> Optional[OutputChannel]:
        """The output used for messages pushed through Rasa's HTTP API (agent replies)."""
        if self.sio is None:
            return super().get_output_channel()
        return SocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        """Rasa's socket.io blueprint with guarded messages."""
        return super().blueprint(guarded(on_new_message))
