"""Search by customer, transaction id, text and date; export a transcript as JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone

from desk_testkit import assert_error, handoff_body


def hand_off(service, fake_rasa, conversation_id, said, **overrides) -> int:
    for line in said:
        fake_rasa.user(conversation_id, line)
    response = service.post(
        "/api/internal/handoffs", json=handoff_body(conversation_id, **overrides)
    )
    assert response.status_code == 201
    return response.json()["id"]


def ids(response) -> list[int]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()]


def test_search_by_customer_transaction_text_and_date(service, fake_rasa, wang, clock):
    clock.set(datetime(2026, 11, 20, 15, 0, tzinfo=timezone.utc))  # 23:00 on the 20th, Shanghai
    a = hand_off(service, fake_rasa, "c-s-a", ["星巴克付款失败了"], customer_id="u1001")
    clock.set(datetime(2026, 11, 20, 16, 30, tzinfo=timezone.utc))  # 00:30 on the 21st
    b = hand_off(
        service,
        fake_rasa,
        "c-s-b",
        ["退款 T202611230005 还没到账", "100% 着急_急"],
        customer_id="u1005",
        summary={"intent": "refund_status", "transaction_id": None},
    )
    clock.set(datetime(2026, 11, 22, 2, 0, tzinfo=timezone.utc))
    c = hand_off(service, fake_rasa, "c-s-c", ["登录不上"], customer_id=None,
                 summary={"intent": "login_problem"})  # fmt: skip
    for ticket in (a, b, c):
        wang.get(f"/api/handoffs/{ticket}")  # reads the transcripts

    search = "/api/handoffs"
    assert ids(wang.get(search, params={"customer_id": "u1005"})) == [b]
    assert ids(wang.get(search, params={"transaction_id": "T202611200001"})) == [a]  # summary
    assert ids(wang.get(search, params={"transaction_id": "T202611230005"})) == [b]  # transcript
    assert ids(wang.get(search, params={"q": "星巴克"})) == [a]
    assert ids(wang.get(search, params={"q": "insufficient_balance"})) == [a]  # case-insensitive
    assert ids(wang.get(search, params={"q": "100%"})) == [b]
    assert ids(wang.get(search, params={"q": "%"})) == [b]  # wildcards are literal
    assert ids(wang.get(search, params={"q": "着急_"})) == [b]
    assert ids(wang.get(search, params={"q": "_急"})) == [b]
    assert ids(wang.get(search, params={"date_from": "2026-11-21", "date_to": "2026-11-21"})) == [b]
    assert ids(wang.get(search, params={"date_to": "2026-11-20"})) == [a]
    assert ids(wang.get(search, params={"date_from": "2026-11-21"})) == [c, b]
    assert ids(wang.get(search, params={"q": "登录", "status": "waiting"})) == [c]
    assert ids(wang.get(search, params={"q": "登录", "status": "resolved"})) == []
    assert ids(wang.get(search)) == [c, b, a]  # newest first
    assert ids(wang.get(search, params={"limit": 1, "offset": 1})) == [b]
    assert_error(wang.get(search, params={"date_from": "21/11/2026"}), 422)
    assert_error(wang.get(search, params={"limit": 0}), 422)


def test_notes_and_agent_messages_are_searchable(service, fake_rasa, wang):
    ticket = hand_off(service, fake_rasa, "c-s-notes", ["你好"])
    wang.post(f"/api/handoffs/{ticket}/notes", json={"text": "已联系风控同事"})
    assert ids(wang.get("/api/handoffs", params={"q": "风控同事"})) == [ticket]


def test_export_json_and_csv(service, fake_rasa, wang):
    ticket = hand_off(
        service, fake_rasa, "c-export", ["付款失败 13800001001", '=HYPERLINK("http://x")']
    )
    wang.post(f"/api/handoffs/{ticket}/messages", json={"text": "您好，我来帮您看看"})

    exported = wang.get(f"/api/handoffs/{ticket}/export", params={"format": "json"})
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("application/json")
    assert f'filename="handoff-{ticket}.json"' in exported.headers["content-disposition"]
    document = json.loads(exported.text)
    assert document["ticket"]["id"] == ticket
    assert document["ticket"]["conversation_id"] == "c-export"
    assert [t["sender"] for t in document["transcript"]] == ["user", "user", "agent"]
    assert document["transcript"][0]["text"] == "付款失败 *******1001"
    assert document["transcript"][2]["agent_name"] == "小王"
    assert "notes" not in document  # internal notes stay in the desk
    assert "13800001001" not in exported.text

    exported = wang.get(f"/api/handoffs/{ticket}/export", params={"format": "csv"})
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0] == ["time", "sender", "agent_name", "text"]
    assert [row[1] for row in rows[1:]] == ["user", "user", "agent"]
    assert rows[1][3] == "付款失败 *******1001"
    assert rows[2][3] == '\'=HYPERLINK("http://x")'  # never a live formula
    assert rows[3][2:] == ["小王", "您好，我来帮您看看"]

    assert_error(wang.get(f"/api/handoffs/{ticket}/export", params={"format": "xml"}), 422)
    assert_error(wang.get("/api/handoffs/99999/export"), 404)
