"""Who may listen to a socket.io session (live: tests/web/test_socketio_sessions.py)."""

from __future__ import annotations

import pytest

from channels.socketio_sessions import SessionRooms, valid_session_id


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("0123456789abcdef0123456789abcdef", True),
        ("sio-1f2e3d4c5b6a", True),
        ("a" * 128, True),
        ("a" * 129, False),
        ("", False),
        (None, False),
        (12345, False),
        (["room"], False),
        ({"$ne": ""}, False),
        ("a b", False),
        ("../x", False),
        ("会话", False),
    ],
)
def test_session_ids(value, valid):
    assert valid_session_id(value) is valid


def test_the_first_socket_of_an_anonymous_session_joins_a_second_waits():
    rooms = SessionRooms()
    assert rooms.request("s1", "room", None, owner=None)
    assert not rooms.request("s2", "room", None, owner=None)
    assert not rooms.request("s3", "room", "u1001", owner=None)  # a token proves nothing here
    assert rooms.listens("s1") and not rooms.listens("s2")


def test_a_customers_sockets_join_with_their_token_only():
    rooms = SessionRooms()
    assert rooms.request("tab1", "room", "u1001", owner=None)
    assert rooms.request("tab2", "room", "u1001", owner=None)
    assert not rooms.request("intruder", "room", None, owner=None)
    assert not rooms.request("other", "room", "u1002", owner=None)


def test_a_customers_conversation_needs_the_token_even_when_nobody_listens():
    rooms = SessionRooms()
    assert not rooms.request("intruder", "room", None, owner="u1001")
    assert not rooms.request("other", "room", "u1002", owner="u1001")
    assert rooms.request("customer", "room", "u1001", owner="u1001")


def test_a_waiting_socket_joins_when_a_message_proves_the_owner():
    rooms = SessionRooms()
    rooms.request("tab1", "room", "u1001", owner=None)
    rooms.request("tab2", "room", None, owner=None)  # an older widget: no token in the request
    assert rooms.needs_proof("tab2") and not rooms.needs_proof("tab1")
    assert not rooms.prove("tab2", "u1002")
    assert rooms.prove("tab2", "u1001")
    assert rooms.listens("tab2")


def test_the_owner_is_learnt_from_a_listening_sockets_message():
    rooms = SessionRooms()
    rooms.request("s1", "room", None, owner=None)
    assert rooms.needs_proof("s1")
    rooms.prove("s1", "u1001")
    assert not rooms.needs_proof("s1")
    assert not rooms.request("s2", "room", None, owner=None)
    assert rooms.request("s3", "room", "u1001", owner=None)


def test_when_the_last_socket_leaves_an_anonymous_session_the_oldest_waiting_one_joins():
    rooms = SessionRooms()
    rooms.request("old", "room", None, owner=None)
    rooms.request("reconnected", "room", None, owner=None)
    rooms.request("later", "room", None, owner=None)
    assert rooms.leave("old") == ("room", "reconnected")
    assert rooms.listens("reconnected") and not rooms.listens("later")


def test_nobody_without_the_token_inherits_a_customers_session():
    rooms = SessionRooms()
    rooms.request("customer", "room", "u1001", owner=None)
    rooms.request("intruder", "room", None, owner=None)
    assert rooms.leave("customer") == ("room", None)
    assert not rooms.listens("intruder")


def test_leaving_forgets_the_socket_and_the_empty_session():
    rooms = SessionRooms()
    rooms.request("s1", "room", None, owner=None)
    assert rooms.leave("s1") == ("room", None)
    assert rooms.leave("s1") == (None, None)
    assert rooms.session_of("s1") is None
    assert rooms.request("s2", "room", None, owner=None)  # a new visitor of a free session
