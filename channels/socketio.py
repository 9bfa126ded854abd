"""socket.io channel for the website and app chat widget, behind the inbound guard.

Same events and options as Rasa's built-in socket.io channel (``user_uttered`` /
``bot_uttered``, session persistence, ``metadata.customer_token``); every message passes
``channels.guard`` first. Messages an agent sends from the desk (a ``custom`` payload of type
``agent_message``, see docs/contracts.md) reach the widget as one ``bot_uttered`` event with
``metadata.sender == "agent"`` and the agent's display name.

Two repairs of Rasa 3.6's channel, both re-registered on its socket.io server:

* ``session_request`` awaits ``AsyncServer.enter_room``, a coroutine since python-socketio 5.x
  (Rasa calls it without ``await``, so with session persistence no reply ever reached the
  browser: RasaHQ/rasa#13027);
* replies to customer messages go through our output, which sends a ``custom`` payload as one
  ``bot_uttered`` event ``{"custom": {...}}`` — Rasa's passes it to ``sio.emit(**payload)``, which
  raises for any key ``emit`` does not know (``type``, ``language``...).
"""

from __future__ import annotations

import json
import os
import uuid
from typing import Any, Optional

from rasa.core.channels import socketio
from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint
from socketio import AsyncRedisManager

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

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        """A custom payload as one event ``{"custom": payload}`` (rating request, language...)."""
        await self._send_message(recipient_id, {"custom": json_message})


def share_rooms_through_redis(sio: Any) -> None:
    """With several Rasa replicas, emit through Redis (``SOCKETIO_REDIS_URL`` or ``REDIS_URL``).

    A widget's socket lives on one replica; an agent's reply from the desk reaches whichever
    replica the balancer picks. python-socketio's Redis manager publishes every emit to all
    replicas, so the one holding the customer's socket delivers it. Without either variable
    (one process, development) rooms stay in memory.
    """
    url = os.environ.get("SOCKETIO_REDIS_URL") or os.environ.get("REDIS_URL")
    if not url:
        return
    manager = AsyncRedisManager(url)
    manager.set_server(sio)
    sio.manager = manager  # before the first connection, which initialises the manager


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
        """Rasa's socket.io blueprint with guarded messages and the two repairs above."""
        handle = guarded(on_new_message)
        blueprint = super().blueprint(handle)
        sio = self.sio
        share_rooms_through_redis(sio)

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Optional[dict[str, Any]]) -> None:
            session_id = (data or {}).get("session_id") if isinstance(data, dict) else None
            session_id = session_id or uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: dict[str, Any]) -> None:
            data = data if isinstance(data, dict) else {}
            if self.session_persistence:
                if not data.get("session_id"):
                    return  # as Rasa: a message outside a session is ignored
                sender_id = data["session_id"]
            else:
                sender_id = sid
            metadata = data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = {}
            await handle(
                UserMessage(
                    data.get("message", ""),
                    SocketIOOutput(sio, self.bot_message_evt),
                    sender_id,
                    input_channel=self.name(),
                    metadata=metadata,
                )
            )

        return blueprint
