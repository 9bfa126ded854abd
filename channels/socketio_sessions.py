"""Which socket may listen to which conversation on the socket.io channel.

Rasa's channel puts a socket into the room of whatever ``session_id`` it asks for, so anyone
who learns a conversation id (a log line, a shared screen, a support ticket) receives every
later bot and agent message of that conversation. Here a session id is a string of at most
``MAX_SESSION_ID_CHARS`` safe characters, a socket listens to one session only, and it joins
that session's room only if:

* nobody listens to the session yet and the conversation belongs to no customer, or
* it proves, with a customer token (``customer_token`` in ``session_request`` or in a message's
  metadata), to be the customer the conversation belongs to: the customer of the sockets
  already listening, or the ``customer_id`` of the conversation's tracker.

Any other socket is confirmed but kept out of the room ("waiting"): what it sends is handled
as a message of that conversation (as over REST, where a conversation id lets anyone write),
the answers go to the room, not to it. It joins when it sends a message with the owner's token,
or when the last listening socket leaves a conversation that belongs to no customer (an
anonymous visitor reconnecting before the server noticed their old connection was dead).

The state is this replica's: sockets of one browser reach one replica (nginx hashes the
address), and a customer's conversation is protected on every replica by its tracker's owner.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional

MAX_SESSION_ID_CHARS = 128
_SESSION_ID = re.compile(r"[A-Za-z0-9_.:-]+")


def valid_session_id(value: Any) -> bool:
    """A string of 1 to ``MAX_SESSION_ID_CHARS`` letters, digits and ``_ . : -``."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_SESSION_ID_CHARS
        and _SESSION_ID.fullmatch(value) is not None
    )


@dataclass
class _Session:
    owner: Optional[str] = None  # the customer the conversation belongs to, None: anonymous
    listening: list[str] = field(default_factory=list)  # sids in the room, oldest first
    waiting: list[str] = field(default_factory=list)  # sids kept out of it, oldest first


@dataclass
class _Socket:
    session_id: str
    customer: Optional[str]  # the customer its last token proved


class SessionRooms:
    """The sessions of one replica's sockets; the caller enters and leaves the rooms."""

    def __init__(self) -> None:
        self._sessions: dict[str, _Session] = {}
        self._sockets: dict[str, _Socket] = {}

    def session_of(self, sid: str) -> Optional[str]:
        """The session ``sid`` asked for, None before it asked."""
        socket = self._sockets.get(sid)
        return socket.session_id if socket else None

    def listens(self, sid: str) -> bool:
        """Whether ``sid`` is in its session's room."""
        socket = self._sockets.get(sid)
        return socket is not None and sid in self._sessions[socket.session_id].listening

    def needs_proof(self, sid: str) -> bool:
        """Whether a token in ``sid``'s next message could change anything: it waits outside
        the room, or its session's owner is not known yet."""
        socket = self._sockets.get(sid)
        if socket is None:
            return False
        session = self._sessions[socket.session_id]
        return session.owner is None or sid not in session.listening

    def request(
        self, sid: str, session_id: str, customer: Optional[str], owner: Optional[str]
    ) -> bool:
        """``sid`` asks for ``session_id`` (proving ``customer``, if any; the tracker says the
        conversation belongs to ``owner``). True when it may join the room now. A socket that
        asked for another session before must have left it (``leave``)."""
        session = self._sessions.setdefault(session_id, _Session())
        session.owner = session.owner or owner
        self._sockets[sid] = _Socket(session_id, customer)
        if session.listening:
            joins = customer is not None and customer == session.owner
        else:
            joins = session.owner is None or customer == session.owner
        if joins:
            session.listening.append(sid)
            session.owner = session.owner or customer
        else:
            session.waiting.append(sid)
        return joins

    def prove(self, sid: str, customer: str) -> bool:
        """A message of ``sid`` carried a valid token of ``customer``. True when the socket
        joins its session's room now."""
        socket = self._sockets.get(sid)
        if socket is None:
            return False
        socket.customer = customer
        session = self._sessions[socket.session_id]
        if sid in session.listening:
            session.owner = session.owner or customer
            return False
        if customer != session.owner and (session.owner is not None or session.listening):
            return False
        session.waiting.remove(sid)
        session.listening.append(sid)
        session.owner = session.owner or customer
        return True

    def leave(self, sid: str) -> tuple[Optional[str], Optional[str]]:
        """``sid`` disconnected or asks for another session: the session it leaves, and the
        waiting socket that joins that session's room in its place (or None)."""
        socket = self._sockets.pop(sid, None)
        if socket is None:
            return None, None
        session = self._sessions[socket.session_id]
        if sid in session.listening:
            session.listening.remove(sid)
        else:
            session.waiting.remove(sid)
        promoted = None
        if not session.listening:
            promoted = next(
                (
                    waiting
                    for waiting in session.waiting
                    if session.owner is None or self._sockets[waiting].customer == session.owner
                ),
                None,
            )
            if promoted is not None:
                session.waiting.remove(promoted)
                session.listening.append(promoted)
        if not session.listening and not session.waiting:
            del self._sessions[socket.session_id]
        return socket.session_id, promoted
