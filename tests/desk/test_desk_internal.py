"""The action server's handoff endpoint: tickets, idempotency, queue place, estimate, hours."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from desk_testkit import assert_error, handoff_body
from sqlalchemy import func, select

from desk.core.hours import WorkingHours
from desk.models import CustomerCache, Ticket, TicketEvent
from desk.services import tickets

RESPONSE_KEYS = {"id", "position", "estimated_wait_minutes", "within_hours", "next_open_at"}


def hand_off(service, conversation_id, **overrides):
    response = service.post(
        "/api/internal/handoffs", json=handoff_body(conversation_id, **overrides)
    )
    assert response.status_code in (200, 201), response.text
    return response


def test_a_handoff_opens_a_waiting_ticket(service, wang, clock):
    response = hand_off(service, "c-new")
    assert response.status_code == 201
    body = response.json()
    assert RESPONSE_KEYS <= set(body)
    assert body["position"] == 1
    assert body["estimated_wait_minutes"] == 5  # default handling time, one agent
    assert body["within_hours"] is True and body["next_open_at"] is None

    listed = wang.get("/api/handoffs", params={"status": "waiting"}).json()
    assert [t["id"] for t in listed] == [body["id"]]
    ticket = listed[0]
    assert ticket["conversation_id"] == "c-new"
    assert ticket["channel"] == "rest"
    assert ticket["reason"] == "unresolved_checklist"
    assert ticket["priority"] == "normal"
    assert ticket["status"] == "waiting"
    assert datetime.fromisoformat(ticket["created_at"]) == clock.now()
    assert ticket["summary"]["intent"] == "payment_failed"
    assert ticket["summary"]["transaction_id"] == "T202611200001"


def test_a_second_handoff_of_an_open_conversation_returns_that_ticket(service, wang, ctx):
    first = hand_off(service, "c-again").json()
    second = hand_off(
        service,
        "c-again",
        reason="repeated_complaint",
        priority="high",
        summary={"intent": "complain", "diagnosis": None, "told_customer": ["已记录投诉"]},
    )
    assert second.status_code == 200
    assert second.json()["id"] == first["id"]
    detail = wang.get(f"/api/handoffs/{first['id']}").json()
    assert detail["reason"] == "unresolved_checklist"  # the first reason stays the reason
    assert detail["reasons"] == ["unresolved_checklist", "repeated_complaint"]
    assert detail["priority"] == "high"  # raised, never lowered
    assert detail["summary"]["intent"] == "complain"
    assert detail["summary"]["diagnosis"].startswith("INSUFFICIENT_BALANCE")  # kept
    assert detail["summary"]["told_customer"] == ["余额不足，请充值或换卡", "已记录投诉"]
    assert [h["kind"] for h in detail["history"]] == ["created", "handoff_again"]

    # also while an agent has it
    wang.post(f"/api/handoffs/{first['id']}/claim")
    third = hand_off(service, "c-again", priority="normal")
    assert third.status_code == 200 and third.json()["id"] == first["id"]
    assert third.json()["position"] == 0
    assert wang.get(f"/api/handoffs/{first['id']}").json()["priority"] == "high"
    with ctx.db.session() as session:
        assert session.execute(select(func.count(Ticket.id))).scalar() == 1


def test_after_resolution_the_next_handoff_is_a_new_ticket(service, wang):
    first = hand_off(service, "c-twice").json()
    wang.post(f"/api/handoffs/{first['id']}/resolve", json={"return_to_bot": True})
    again = hand_off(service, "c-twice")
    assert again.status_code == 201 and again.json()["id"] != first["id"]


def test_queue_order_is_priority_then_wait(service, wang, clock):
    ids = {}
    for name, priority in [("a", "normal"), ("b", "high"), ("c", "normal"), ("d", "urgent")]:
        ids[name] = hand_off(service, f"c-order-{name}", priority=priority).json()
        clock.advance(30)
    waiting = wang.get("/api/handoffs", params={"status": "waiting"}).json()
    assert [t["conversation_id"] for t in waiting] == [
        "c-order-d", "c-order-b", "c-order-a", "c-order-c"
    ]  # fmt: skip
    assert [ids[n]["position"] for n in "abcd"] == [1, 1, 3, 1]
    # the place is counted at arrival; a later arrival ahead of you is not your problem
    late = hand_off(service, "c-order-e", priority="normal").json()
    assert late["position"] == 5


def test_estimate_uses_recent_handling_times_and_agents_online(service, ctx, clock, wang, li):
    # three tickets handled in 10, 20 and 30 minutes
    for minutes in (10, 20, 30):
        ticket = hand_off(service, f"c-handled-{minutes}").json()
        wang.post(f"/api/handoffs/{ticket['id']}/claim")
        clock.advance(minutes * 60)
        wang.post(f"/api/handoffs/{ticket['id']}/resolve", json={"return_to_bot": True})
    # wang and li signed in (seen) within the last 10 minutes: two agents share the queue
    wang.get("/api/me")
    li.get("/api/me")
    first = hand_off(service, "c-est-1").json()
    second = hand_off(service, "c-est-2").json()
    assert first["estimated_wait_minutes"] == 10  # 1 × 20 min ÷ 2 agents
    assert second["estimated_wait_minutes"] == 20  # 2 × 20 min ÷ 2 agents


def test_outside_working_hours_the_customer_learns_when_we_open(service, ctx, clock, monkeypatch):
    monkeypatch.setattr(
        ctx, "hours", WorkingHours.from_settings("09:00-21:00", "1-7", "Asia/Shanghai")
    )
    clock.set(datetime(2026, 11, 27, 14, 0, tzinfo=timezone.utc))  # 22:00 in Shanghai
    body = hand_off(service, "c-night").json()
    assert body["within_hours"] is False
    assert body["next_open_at"] == "2026-11-28T09:00:00+08:00"
    assert body["estimated_wait_minutes"] == 11 * 60 + 5  # until 09:00, then the queue
    assert body["position"] == 1

    clock.set(datetime(2026, 11, 27, 2, 0, tzinfo=timezone.utc))  # 10:00 in Shanghai
    day = hand_off(service, "c-day").json()
    assert day["within_hours"] is True and day["next_open_at"] is None


@pytest.mark.parametrize(
    "change",
    [
        {"conversation_id": ""},
        {"conversation_id": "x" * 256},
        {"channel": "Web Chat!"},
        {"reason": "Not A Reason"},
        {"priority": "critical"},
        {"summary": {"told_customer": "not a list"}},
        {"summary": {"diagnosis": "x" * 5000}},
    ],
)
def test_malformed_handoffs_are_refused(service, change):
    body = {**handoff_body("c-bad"), **change}
    assert_error(service.post("/api/internal/handoffs", json=body), 422)


def test_required_fields_and_json(service):
    body = handoff_body("c-missing")
    del body["reason"]
    assert_error(service.post("/api/internal/handoffs", json=body), 422, "VALIDATION_ERROR")
    response = service.post(
        "/api/internal/handoffs", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_error(response, 422, "INVALID_JSON")
    response = service.post("/api/internal/handoffs", content=b"x" * 70_000)
    assert_error(response, 413, "PAYLOAD_TOO_LARGE")


def test_minimal_and_anonymous_handoffs_are_accepted(service, wang):
    body = {"conversation_id": "c-min", "channel": "wechat", "reason": "customer_request"}
    created = service.post("/api/internal/handoffs", json=body)
    assert created.status_code == 201
    detail = wang.get(f"/api/handoffs/{created.json()['id']}").json()
    assert detail["customer_id"] is None and detail["customer"] is None
    assert detail["priority"] == "normal" and detail["language"] == "zh-Hans"
    # a newer action server may send more than this desk knows: ignored, not refused
    body = {**body, "conversation_id": "c-extra", "future_field": 1}
    assert service.post("/api/internal/handoffs", json=body).status_code == 201


def test_personal_data_in_the_summary_is_masked(service, wang):
    summary = {
        "intent": "payment_failed",
        "diagnosis": "card 4111 1111 1111 1111 declined for chenjing@example.com",
        "told_customer": ["已向 13800001005 发送验证码"],
        "customer_said": ["我的电话是 138 0000 1005", "密码是Abc12345"],
    }
    ticket = hand_off(service, "c-pii", summary=summary).json()
    detail = wang.get(f"/api/handoffs/{ticket['id']}").json()
    text = str(detail["summary"])
    for secret in ("4111 1111 1111 1111", "chenjing@", "13800001005", "138 0000 1005", "Abc12345"):
        assert secret not in text
    assert "************1111" in text and "*******1005" in text and "c***g@example.com" in text


def test_the_customer_profile_is_looked_up_and_cached(service, wang, ctx, fake_backend):
    ticket = hand_off(service, "c-customer", customer_id="u1001").json()
    detail = wang.get(f"/api/handoffs/{ticket['id']}").json()
    assert detail["customer"] == {"id": "u1001", "name": "张伟", "phone_masked": "*******1001"}
    calls = len(fake_backend.calls)
    hand_off(service, "c-customer-2", customer_id="u1001")
    tickets.after_arrival(ctx, "c-customer-2", "u1001")
    assert len(fake_backend.calls) >= calls  # refreshed, not required: the queue reads the cache


def test_a_backend_outage_never_blocks_a_handoff(service, wang, ctx, fake_backend):
    fake_backend.down = True
    ticket = hand_off(service, "c-backend-down", customer_id="u1005").json()
    detail = wang.get(f"/api/handoffs/{ticket['id']}").json()
    assert detail["customer"] == {"id": "u1005", "name": None, "phone_masked": None}
    with ctx.db.session() as session:
        row = session.get(CustomerCache, "u1005")
        assert row.failed_at is not None and row.fetched_at is None


def test_concurrent_handoffs_of_one_conversation_make_one_ticket(service, ctx):
    results, errors = [], []

    def post():
        try:
            results.append(
                service.post("/api/internal/handoffs", json=handoff_body("c-race")).status_code
            )
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(results) == [200] * 7 + [201]
    with ctx.db.session() as session:
        assert session.execute(select(func.count(Ticket.id))).scalar() == 1
        assert session.execute(select(func.count(TicketEvent.id))).scalar() == 8


def test_the_transcript_is_read_after_arrival(service, wang, ctx, fake_rasa):
    fake_rasa.user("c-after", "我要转人工")
    ticket = hand_off(service, "c-after").json()
    # the background task of the request already copied the transcript
    from desk.services import transcripts

    assert [t.text for t in transcripts.stored_turns(ctx, "c-after")] == ["我要转人工"]
    assert timedelta(0) <= datetime.now(timezone.utc) - datetime.fromisoformat(
        wang.get(f"/api/handoffs/{ticket['id']}").json()["transcript"][0]["time"]
    )
