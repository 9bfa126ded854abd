"""socket.io rooms: in memory with one Rasa process.

With several replicas they go through Redis; tests/scale/test_scale_out.py checks that an agent
reply sent through one replica reaches a widget connected to the other.
"""

from __future__ import annotations

from socketio.async_manager import AsyncManager

from channels.socketio import SocketIOInput


async def handler(message):  # pragma: no cover - never called here
    return None


def channel():
    return SocketIOInput.from_credentials(
        {
            "user_message_evt": "user_uttered",
            "bot_message_evt": "bot_uttered",
            "session_persistence": True,
        }
    )


def test_one_process_keeps_rooms_in_memory(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("SOCKETIO_REDIS_URL", raising=False)
    sio_channel = channel()
    sio_channel.blueprint(handler)
    assert type(sio_channel.sio.manager) is AsyncManager
