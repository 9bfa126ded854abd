"""The action server answers only the Rasa server: its token on every call, this machine only."""

from __future__ import annotations

import socket
import struct
from pathlib import Path

import httpx
import pytest

from actions.server import (
    ActionServerConfigError,
    listen_host,
    presents_token,
    required_token,
)
from tests.support import stack

ACTION_CALL = {
    "next_action": "action_say_goodbye",
    "sender_id": "test-action-server",
    "tracker": {
        "sender_id": "test-action-server",
        "slots": {},
        "latest_message": {},
        "events": [],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": None,
    },
    "domain": {},
    "version": "3.6.2",
}


def test_the_token_is_required():
    # production's rules for its value: tests/test_production_secrets.py
    with pytest.raises(ActionServerConfigError):
        required_token({})
    with pytest.raises(ActionServerConfigError):
        required_token({"ACTION_SERVER_TOKEN": "  "})
    development = "dev-action-server-token"
    assert required_token({"ACTION_SERVER_TOKEN": development}) == development


def test_it_listens_on_this_machine_only_unless_told():
    assert listen_host({}) == "127.0.0.1"
    assert listen_host({"SANIC_HOST": "0.0.0.0"}) == "0.0.0.0"
    assert listen_host({"ACTION_SERVER_HOST": "10.0.0.5", "SANIC_HOST": "0.0.0.0"}) == "10.0.0.5"


def test_only_the_bearer_token_itself_passes():
    assert presents_token("Bearer s3cret", "s3cret")
    assert presents_token("bearer s3cret", "s3cret")
    for header in (None, "", "s3cret", "Bearer", "Bearer ", "Bearer s3cre", "Basic s3cret"):
        assert not presents_token(header, "s3cret")


def listening_addresses(port: int) -> set[str]:
    """The IPv4 addresses a TCP socket listens on at ``port`` (Linux /proc/net/tcp)."""
    addresses = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, local_port = local.split(":")
        if state == "0A" and int(local_port, 16) == port:
            addresses.add(socket.inet_ntoa(struct.pack("<I", int(address, 16))))
    return addresses


@pytest.fixture(scope="module")
def action_server():
    with stack.start_actions() as service:
        yield service


def test_a_call_without_the_token_is_refused(action_server):
    webhook = f"{action_server.url}/webhook"
    assert httpx.post(webhook, json=ACTION_CALL).status_code == 401
    wrong = {"Authorization": "Bearer not-the-token"}
    assert httpx.post(webhook, json=ACTION_CALL, headers=wrong).status_code == 401
    assert httpx.get(f"{action_server.url}/actions").status_code == 401

    right = {"Authorization": f"Bearer {stack.ACTION_SERVER_TOKEN}"}
    reply = httpx.post(webhook, json=ACTION_CALL, headers=right, timeout=30)
    assert reply.status_code == 200
    assert reply.json()["responses"][0]["response"] == "utter_goodbye"
    assert httpx.get(f"{action_server.url}/health").status_code == 200  # readiness stays open


def test_it_listens_on_the_loopback_interface_only(action_server):
    port = int(action_server.url.rsplit(":", 1)[1])
    assert listening_addresses(port) == {"127.0.0.1"}
