"""socket.io channel for the website and app chat widget, behind the inbound guard.

Same events and options as Rasa's built-in socket.io channel (``user_uttered`` /
``bot_uttered``, session persistence, ``metadata.customer_token``); every message passes
``channels.guard`` first.
"""

from __future__ import annotations

from rasa.core.channels import socketio
from sanic import Blueprint

from channels.guard import Handler, guarded


class SocketIOInput(socketio.SocketIOInput):
    """Rasa's socket.io channel behind eepay's inbound guard."""

    @classmethod
    def name(cls) -> str:
        """Keeps the channel name the widget and the desk address: socketio."""
        return "socketio"

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        """Rasa's socket.io blueprint with guarded messages."""
        return super().blueprint(guarded(on_new_message))
