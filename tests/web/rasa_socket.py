"""A minimal socket.io client of Rasa's channel (python-socketio, long-polling only)."""

from __future__ import annotations

import queue

import socketio

from channels.guard import FAILURE_REPLY

ROOM_BUG = (
    "Rasa confirmed the session but never answered into its room. With session_persistence the "
    "socket must join the room: python-socketio made AsyncServer.enter_room a coroutine and "
    "Rasa 3.6 calls it without await (RasaHQ/rasa#13027), so channels/socketio.py has to "
    "register its own session_request handler that awaits it. Every widget test depends on it."
)


FAILED_REPLY = (
    "Rasa answered with the guard's apology: handling the message raised. On the socket.io "
    "channel the usual cause is a custom payload (rating request, language...) going through "
    "Rasa's SocketIOOutput.send_custom_json, which calls sio.emit(**payload) and fails for any "
    "key emit() does not take; channels/socketio.py must send it as {'custom': payload} — for "
    "the replies to customer messages too. See results/logs/rasa.log."
)


def replies(rasa_url: str, session: str, message: str, timeout: float = 45) -> list[dict]:
    """Asks for ``session``, sends ``message``, returns the bot's replies (waiting up to
    ``timeout`` for the first, then until a second passes without another)."""
    client = socketio.Client(reconnection=False)
    confirmed: queue.Queue[object] = queue.Queue()
    answers: queue.Queue[dict] = queue.Queue()
    client.on("session_confirm", confirmed.put)
    client.on("bot_uttered", answers.put)
    client.connect(rasa_url, transports=["polling"], wait_timeout=10)
    try:
        client.emit("session_request", {"session_id": session})
        if confirmed.get(timeout=10) != session:
            raise AssertionError("session_confirm did not echo the requested session id")
        client.emit("user_uttered", {"message": message, "session_id": session, "metadata": {}})
        received: list[dict] = []
        wait = timeout
        while True:
            try:
                received.append(answers.get(timeout=wait))
            except queue.Empty:
                return received
            wait = 1.0
    finally:
        client.disconnect()


def check_channel(rasa_url: str, session: str, message: str) -> list[dict]:
    """The replies to one message, or a failure that names the channel defect."""
    got = replies(rasa_url, session, message)
    if not got:
        raise ChannelBroken(ROOM_BUG)
    if any(FAILURE_REPLY.split("\n")[0] in (r.get("text") or "") for r in got):
        raise ChannelBroken(FAILED_REPLY)
    return got


class ChannelBroken(AssertionError):
    """Rasa's socket.io channel does not deliver what the widget needs."""
