"""Run the action server's actions in-process against a real payment backend.

The backend runs as a subprocess with fresh demo data (tests/support/stack.py); each test
builds a Rasa SDK tracker the way the Rasa server would send it, runs an action, and reads
what the action said (response names and their variables, rendered with domain.yml).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from service_kit.customer_token import mint
from service_kit.policy import POLICY_PLACEHOLDERS
from tests.support import stack

ROOT = Path(__file__).resolve().parents[2]
DOMAIN: dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def backend(tmp_path_factory) -> Iterator[stack.Service]:
    with stack.start_backend(tmp_path_factory.mktemp("backend")) as service:
        yield service


@pytest.fixture(autouse=True)
def action_env(backend, monkeypatch, tmp_path):
    """Point the in-process backend client at the test backend; fresh demo data per test."""
    monkeypatch.setenv("BACKEND_URL", backend.url)
    monkeypatch.setenv("BACKEND_API_TOKEN", stack.BACKEND_TOKEN)
    monkeypatch.setenv("CHAT_JWT_SECRET", stack.CHAT_JWT_SECRET)
    monkeypatch.setenv("HANDOFF_OUTBOX_DIR", str(tmp_path / "outbox"))
    httpx.post(
        f"{backend.url}/v1/admin/demo/reset",
        headers={"Authorization": f"Bearer {stack.BACKEND_ADMIN_TOKEN}"},
        timeout=30,
    ).raise_for_status()
    from actions.settings import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def make_tracker(
    text: str = "",
    intent: str = "payment_failed",
    *,
    customer: str | None = "u1001",
    entities: list[dict] | None = None,
    slots: dict[str, Any] | None = None,
    events: list[dict] | None = None,
    active_loop: str | None = None,
    token: str | None = None,
) -> Tracker:
    """A tracker whose latest message comes from ``customer`` (None: anonymous).

    The ``customer_id`` slot names ``customer`` too, as after a flow of theirs started (the
    flow's first action sets it); ``slots`` may say otherwise.
    """
    metadata = {}
    if customer:
        metadata["customer_token"] = token or mint(customer, stack.CHAT_JWT_SECRET)
    elif token:
        metadata["customer_token"] = token
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "entities": entities or [],
        "metadata": metadata,
    }
    user_event = {"event": "user", "text": text, "parse_data": latest, "metadata": metadata}
    all_slots = {name: None for name in DOMAIN["slots"]}
    all_slots["customer_id"] = customer
    all_slots.update(slots or {})
    return Tracker(
        sender_id=f"test-{uuid.uuid4().hex[:10]}",
        slots=all_slots,
        latest_message=latest,
        events=[*(events or []), user_event],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def entity(name: str, value: Any) -> dict:
    return {"entity": name, "value": value, "start": 0, "end": 0}


def render(message: dict, slots: dict | None = None) -> str:
    """The text a response message becomes (first variation), with every variable filled."""
    name = message.get("response")
    if not name:
        return message.get("text") or ""
    template = DOMAIN["responses"][name][0]["text"]
    values = {
        **POLICY_PLACEHOLDERS,  # filled by the response generator, as in production
        **(slots or {}),
        **{k: v for k, v in message.items() if k != "response"},
    }
    text = re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), m.group(0))), template)
    assert not re.search(r"\{\w+\}", text), f"{name}: unfilled variable in {text!r}"
    return text


def said(dispatcher: CollectingDispatcher) -> str:
    """Everything the action said, rendered."""
    return "\n".join(render(m) for m in dispatcher.messages)


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    return [m.get("response") for m in dispatcher.messages]


def slot_events(events: list[dict]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def followup(events: list[dict]) -> str | None:
    return next((e["name"] for e in events if e.get("event") == "followup"), None)


async def run_action(action, tracker: Tracker) -> tuple[CollectingDispatcher, list[dict]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, DOMAIN)
    return dispatcher, events


def asked_if_solved(dispatcher: CollectingDispatcher, events: list[dict]) -> bool:
    """The action asked "did that solve it?" and the conversation now waits for the answer."""
    return (
        responses(dispatcher)[-1] == "utter_ask_problem_solved"
        and slot_events(events).get("awaiting_resolution") is True
    )
