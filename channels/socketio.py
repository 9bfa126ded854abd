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

And the limits of a public channel: a session id must be a short string of safe characters, a
socket listens only to the session it asked for and only as ``channels.socketio_sessions``
allows (knowing a conversation's id is not enough to receive its messages), a message names
its socket's own session, and a socket.io packet is at most ``MAX_PACKET_BYTES``.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from typing import Any, Optional

from rasa.core.channels import socketio
from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint
from socketio import AsyncRedisManager

from channels.guard import Handler, guarded
from channels.socketio_sessions import SessionRooms, valid_session_id
from service_kit import customer_token

logger = logging.getLogger(__name__)

AGENT_MESSAGE = "agent_message"
# The widget's longest message (2000 characters) with its metadata, with room to spare; the
# guard answers anything over 5000 characters politely. python-engineio refuses larger packets
# (polling: HTTP 400, WebSocket: closed) before decoding them; its default is 1 MB.
MAX_PACKET_BYTES = 64 * 1024


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


def token_of(data: dict[str, Any], metadata_key: Optional[str]) -> Optional[str]:
    """The customer token a ``session_request`` carries: ``customer_token``, or in metadata."""
    token = data.get("customer_token")
    metadata = data.get(metadata_key or "metadata")
    if token is None and isinstance(metadata, dict):
        token = metadata.get("customer_token")
    return token if isinstance(token, str) else None


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
        sio.eio.max_http_buffer_size = MAX_PACKET_BYTES
        share_rooms_through_redis(sio)
        rooms = SessionRooms()
        namespace = self.namespace

        async def leave_room(sid: str, session_id: Optional[str], promoted: Optional[str]) -> None:
            """Takes ``sid`` out of the room it left; ``promoted`` joins in its place."""
            if session_id is not None:
                await sio.leave_room(sid, session_id, namespace=namespace)
                if promoted is not None:
                    await sio.enter_room(promoted, session_id, namespace=namespace)

        async def conversation_owner(sid: str, session_id: str) -> Optional[str]:
            """The customer the conversation's tracker belongs to (as the REST channel's
            ``/messages`` reads it); None for a new or anonymous one."""
            try:
                agent = sio.get_environ(sid, namespace)["sanic.request"].app.ctx.agent
                tracker = await agent.tracker_store.retrieve(session_id)
            except Exception:  # no agent yet, store down: the live sockets still decide
                logger.exception("reading the owner of a conversation failed")
                return None
            return tracker.get_slot("customer_id") if tracker is not None else None

        async def prove(sid: str, metadata: Any) -> None:
            token = metadata.get("customer_token") if isinstance(metadata, dict) else None
            customer = customer_token.verify(token)
            if customer is not None and rooms.prove(sid, customer):
                await sio.enter_room(sid, rooms.session_of(sid), namespace=namespace)

        @sio.on("disconnect", namespace=namespace)
        async def disconnect(sid: str, *_reason: Any) -> None:
            await leave_room(sid, *rooms.leave(sid))

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: str, data: Optional[dict[str, Any]]) -> None:
            data = data if isinstance(data, dict) else {}
            session_id = data.get("session_id")
            if not valid_session_id(session_id):  # none asked for, or not an id: a new one
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                customer = customer_token.verify(token_of(data, self.metadata_key))
                owner = await conversation_owner(sid, session_id)
                if not sio.manager.is_connected(sid, namespace or "/"):
                    return  # gone while the tracker was read: it must not hold the session
                if rooms.session_of(sid) == session_id:  # asked again: only a token is news
                    if customer is not None and rooms.prove(sid, customer):
                        await sio.enter_room(sid, session_id, namespace=namespace)
                else:
                    left = rooms.leave(sid)  # a socket listens to one session at a time
                    joins = rooms.request(sid, session_id, customer, owner)
                    await leave_room(sid, *left)
                    if joins:
                        await sio.enter_room(sid, session_id, namespace=namespace)
                    else:
                        logger.info("socket kept out of a session it does not own")
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: str, data: dict[str, Any]) -> None:
            data = data if isinstance(data, dict) else {}
            metadata = data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = {}
            if self.session_persistence:
                sender_id = rooms.session_of(sid)
                if sender_id is None or data.get("session_id") != sender_id:
                    return  # as Rasa: a message outside the socket's session is ignored
                if rooms.needs_proof(sid):  # else no token check on the way of a turn
                    await prove(sid, metadata)
            else:
                sender_id = sid
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
