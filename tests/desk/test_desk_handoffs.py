"""The agents' ticket API: transcript, claim, replies through Rasa, notes, resolution."""

from __future__ import annotations

import threading
from urllib.parse import unquote

import pytest
from desk_testkit import RASA_TOKEN, FakeRasa, assert_error, client, handoff_body
from sqlalchemy import func, select

from desk.main import create_app
from desk.models import TicketEvent

LIST_KEYS = {
    "id", "conversation_id", "channel", "reason", "priority", "status", "created_at", "summary"
}  # fmt: skip


def open_ticket(service, fake_rasa, conversation_id, **overrides) -> int:
    """A conversation as the bot leaves it at a handoff, and its ticket."""
    fake_rasa.user(conversation_id, "我付款一直失败")
    fake_rasa.bot(conversation_id, "请检查余额、网络和支付方式。")
    fake_rasa.user(conversation_id, "还是不行，转人工")
    fake_rasa.bot(conversation_id, "已为您转接人工客服，您前面还有 0 位。")
    fake_rasa.pause(conversation_id)
    response = service.post(
        "/api/internal/handoffs", json=handoff_body(conversation_id, **overrides)
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_lists_have_the_contract_fields(service, fake_rasa, wang):
    ticket_id = open_ticket(service, fake_rasa, "c-list")
    for status in ("waiting", None):
        params = {"status": status} if status else {}
        items = wang.get("/api/handoffs", params=params).json()
        assert [item["id"] for item in items] == [ticket_id]
        assert LIST_KEYS <= set(items[0])
        assert isinstance(items[0]["summary"], dict)
    assert wang.get("/api/handoffs", params={"status": "assigned"}).json() == []
    assert wang.get("/api/handoffs", params={"status": "resolved"}).json() == []
    assert_error(wang.get("/api/handoffs", params={"status": "lost"}), 422)


def test_detail_has_the_whole_transcript_in_order(service, fake_rasa, wang):
    ticket_id = open_ticket(service, fake_rasa, "c-detail")
    fake_rasa.user("c-detail", "我等了好久了 <script>alert(1)</script>")  # written while waiting
    detail = wang.get(f"/api/handoffs/{ticket_id}").json()
    assert LIST_KEYS | {"transcript"} <= set(detail)
    assert detail["transcript_live"] is True
    turns = [(t["sender"], t["text"]) for t in detail["transcript"]]
    assert turns == [
        ("user", "我付款一直失败"),
        ("bot", "请检查余额、网络和支付方式。"),
        ("user", "还是不行，转人工"),
        ("bot", "已为您转接人工客服，您前面还有 0 位。"),
        ("user", "我等了好久了 <script>alert(1)</script>"),
    ]
    times = [t["time"] for t in detail["transcript"]]
    assert times == sorted(times)
    # repeated reads never duplicate turns
    assert len(wang.get(f"/api/handoffs/{ticket_id}").json()["transcript"]) == 5


def test_rasa_is_read_with_its_token_and_the_token_never_reaches_the_client(
    service, fake_rasa, wang
):
    ticket_id = open_ticket(service, fake_rasa, "c/odd id?&x=1")
    response = wang.get(f"/api/handoffs/{ticket_id}")
    assert response.json()["conversation_id"] == "c/odd id?&x=1"
    assert RASA_TOKEN not in response.text
    reads = [r for r in fake_rasa.requests if r.url.path.endswith("/tracker")]
    assert reads and all(r.url.params["token"] == RASA_TOKEN for r in reads)
    assert unquote(reads[-1].url.raw_path.decode().split("?")[0]) == (
        "/conversations/c/odd id?&x=1/tracker"
    )
    assert reads[-1].url.params["include_events"] == "ALL"


def test_claim_assigns_and_refuses_a_second_agent(service, fake_rasa, wang, li, supervisor):
    ticket_id = open_ticket(service, fake_rasa, "c-claim")
    claimed = wang.post(f"/api/handoffs/{ticket_id}/claim")
    assert claimed.status_code == 200
    assert claimed.json()["status"] == "assigned"
    assert claimed.json()["assigned_to"] == {"username": "wang", "display_name": "小王"}
    assert wang.post(f"/api/handoffs/{ticket_id}/claim").status_code == 200  # harmless repeat
    body = assert_error(li.post(f"/api/handoffs/{ticket_id}/claim"), 409, "TICKET_TAKEN")
    assert body["details"]["assigned_to"] == "小王"
    assert wang.get("/api/handoffs", params={"status": "assigned"}).json()[0]["id"] == ticket_id
    # a supervisor may take over
    taken = supervisor.post(f"/api/handoffs/{ticket_id}/claim")
    assert taken.json()["assigned_to"]["username"] == "admin"
    history = [h["kind"] for h in wang.get(f"/api/handoffs/{ticket_id}").json()["history"]]
    assert history == ["created", "claimed", "reassigned"]
    assert_error(wang.post("/api/handoffs/999999/claim"), 404, "TICKET_NOT_FOUND")


def test_two_agents_claiming_at_once_cannot_both_win(service, fake_rasa, wang, li, ctx):
    ticket_id = open_ticket(service, fake_rasa, "c-claim-race")
    results = {}

    def claim(name, api):
        results[name] = api.post(f"/api/handoffs/{ticket_id}/claim").status_code

    threads = [
        threading.Thread(target=claim, args=(name, api))
        for name, api in (("wang", wang), ("li", li))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) == [200, 409]
    with ctx.db.session() as session:
        claims = session.execute(
            select(func.count(TicketEvent.id)).where(TicketEvent.kind == "claimed")
        ).scalar()
    assert claims == 1


def test_a_reply_goes_through_rasa_as_the_agents_message(service, fake_rasa, wang):
    ticket_id = open_ticket(service, fake_rasa, "c-reply")
    response = wang.post(f"/api/handoffs/{ticket_id}/messages", json={"text": "您好，我是小王 😊"})
    assert response.status_code == 201
    assert response.json()["agent_name"] == "小王"
    assert len(fake_rasa.sent) == 1
    sent = fake_rasa.sent[0]
    assert sent["output_channel"] == "latest"
    assert sent["event"] == "bot" and sent["text"] == "您好，我是小王 😊"
    assert sent["data"] == {
        "custom": {"type": "agent_message", "agent_name": "小王", "text": "您好，我是小王 😊"}
    }
    assert sent["metadata"] == {"sender": "agent", "agent_name": "小王"}
    post = [r for r in fake_rasa.requests if r.method == "POST"][-1]
    assert post.url.params["token"] == RASA_TOKEN and RASA_TOKEN.encode() not in post.content

    detail = wang.get(f"/api/handoffs/{ticket_id}").json()
    assert detail["status"] == "assigned"  # replying to a waiting ticket claims it
    assert detail["transcript"][-1] == {
        "sender": "agent",
        "text": "您好，我是小王 😊",
        "time": detail["transcript"][-1]["time"],
        "agent_name": "小王",
    }
    assert [h["kind"] for h in detail["history"]] == ["created", "claimed", "message"]
    assert detail["history"][-1]["text"] == "您好，我是小王 😊"


def test_only_the_assigned_agent_or_a_supervisor_replies(service, fake_rasa, wang, li, supervisor):
    ticket_id = open_ticket(service, fake_rasa, "c-reply-other")
    wang.post(f"/api/handoffs/{ticket_id}/claim")
    assert_error(
        li.post(f"/api/handoffs/{ticket_id}/messages", json={"text": "hi"}), 403, "NOT_YOUR_TICKET"
    )
    assert_error(
        li.post(f"/api/handoffs/{ticket_id}/resolve", json={"return_to_bot": True}),
        403,
        "NOT_YOUR_TICKET",
    )
    assert (
        supervisor.post(f"/api/handoffs/{ticket_id}/messages", json={"text": "主管在"}).status_code
        == 201
    )
    assert len(fake_rasa.sent) == 1


@pytest.mark.parametrize(
    "body",
    [{"text": ""}, {"text": "   "}, {"text": "x" * 2001}, {"text": "a\x00b"}, {}, {"text": 5}],
)
def test_bad_replies_are_refused(service, fake_rasa, wang, body):
    ticket_id = open_ticket(service, fake_rasa, "c-bad-reply")
    assert_error(wang.post(f"/api/handoffs/{ticket_id}/messages", json=body), 422)
    assert fake_rasa.sent == []


def test_when_rasa_is_down_nothing_is_recorded_as_sent(service, fake_rasa, wang, ctx):
    ticket_id = open_ticket(service, fake_rasa, "c-rasa-down")
    wang.post(f"/api/handoffs/{ticket_id}/claim")
    fake_rasa.down = True
    assert_error(
        wang.post(f"/api/handoffs/{ticket_id}/messages", json={"text": "hello"}),
        502,
        "RASA_UNAVAILABLE",
    )
    with ctx.db.session() as session:
        assert (
            session.execute(
                select(func.count(TicketEvent.id)).where(TicketEvent.kind == "message")
            ).scalar()
            == 0
        )
    # the saved transcript is still shown, marked as such
    detail = wang.get(f"/api/handoffs/{ticket_id}").json()
    assert detail["transcript_live"] is False and len(detail["transcript"]) == 4
    # resolving fails cleanly too, and the ticket stays open
    assert_error(wang.post(f"/api/handoffs/{ticket_id}/resolve", json={"return_to_bot": True}), 502)
    assert wang.get(f"/api/handoffs/{ticket_id}").json()["status"] == "assigned"
    fake_rasa.down = False
    assert (
        wang.post(f"/api/handoffs/{ticket_id}/messages", json={"text": "hello"}).status_code == 201
    )


def test_resolve_with_return_to_bot_resumes_and_the_bot_greets(service, fake_rasa, wang):
    ticket_id = open_ticket(service, fake_rasa, "c-back")
    wang.post(f"/api/handoffs/{ticket_id}/messages", json={"text": "已为您处理好了"})
    resolved = wang.post(
        f"/api/handoffs/{ticket_id}/resolve", json={"return_to_bot": True, "note": "已人工补单"}
    )
    assert resolved.status_code == 200
    assert resolved.json()["status"] == "resolved"
    assert resolved.json()["resolution"] == "returned_to_bot"
    assert fake_rasa.paused["c-back"] is False
    assert fake_rasa.executed == [("c-back", "action_back_to_bot")]
    posts = [r for r in fake_rasa.requests if r.method == "POST"]
    assert [p.url.path.rsplit("/", 1)[-1] for p in posts[-3:]] == ["events", "execute", "events"]
    assert posts[-2].url.params["output_channel"] == "latest"
    # resume, the action, and the bot listens again as after any turn of its own
    tail = [e for e in fake_rasa.events["c-back"] if e["event"] in ("resume", "action")]
    assert [(e["event"], e.get("name")) for e in tail[-3:]] == [
        ("resume", None),
        ("action", "action_back_to_bot"),
        ("action", "action_listen"),
    ]

    detail = wang.get(f"/api/handoffs/{ticket_id}").json()
    assert detail["transcript"][-1] == {
        "sender": "bot",
        "text": FakeRasa.GREETING,
        "time": detail["transcript"][-1]["time"],
        "agent_name": None,
    }
    assert [n["text"] for n in detail["notes"]] == ["已人工补单"]
    assert detail["history"][-1]["kind"] == "resolved"
    assert detail["history"][-1]["data"]["resolution"] == "returned_to_bot"
    assert wang.get("/api/handoffs", params={"status": "resolved"}).json()[0]["id"] == ticket_id
    # resolving twice is a conflict, and so is replying afterwards
    assert_error(
        wang.post(f"/api/handoffs/{ticket_id}/resolve", json={"return_to_bot": True}),
        409,
        "TICKET_RESOLVED",
    )
    assert_error(
        wang.post(f"/api/handoffs/{ticket_id}/messages", json={"text": "x"}), 409, "TICKET_RESOLVED"
    )


def test_resolve_without_return_to_bot_closes(service, fake_rasa, wang):
    ticket_id = open_ticket(service, fake_rasa, "c-close")
    resolved = wang.post(f"/api/handoffs/{ticket_id}/resolve", json={"return_to_bot": False})
    assert resolved.json()["resolution"] == "closed"
    assert fake_rasa.executed == [("c-close", "action_close_conversation")]


@pytest.mark.parametrize(
    "body", [{}, {"return_to_bot": "yes"}, {"return_to_bot": True, "note": "x" * 2001}]
)
def test_resolve_needs_an_explicit_choice(service, fake_rasa, wang, body):
    ticket_id = open_ticket(service, fake_rasa, "c-resolve-bad")
    assert_error(wang.post(f"/api/handoffs/{ticket_id}/resolve", json=body), 422)
    assert fake_rasa.executed == []


def test_an_unknown_action_on_the_rasa_side_keeps_the_ticket_open(service, fake_rasa, wang):
    ticket_id = open_ticket(service, fake_rasa, "c-exec-fails")
    fake_rasa.fail_paths.add("execute")
    assert_error(
        wang.post(f"/api/handoffs/{ticket_id}/resolve", json={"return_to_bot": True}),
        502,
        "RASA_UNAVAILABLE",
    )
    assert wang.get(f"/api/handoffs/{ticket_id}").json()["status"] == "assigned"


def test_notes_are_internal(service, fake_rasa, wang, li):
    ticket_id = open_ticket(service, fake_rasa, "c-notes")
    note = li.post(
        f"/api/handoffs/{ticket_id}/notes", json={"text": "客户情绪激动，手机13800001001"}
    )
    assert note.status_code == 201
    assert note.json()["text"] == "客户情绪激动，手机*******1001"
    assert note.json()["author"] == {"username": "li", "display_name": "小李"}
    detail = wang.get(f"/api/handoffs/{ticket_id}").json()
    assert [n["text"] for n in detail["notes"]] == ["客户情绪激动，手机*******1001"]
    assert fake_rasa.sent == [] and all("客户情绪" not in t["text"] for t in detail["transcript"])


def test_personal_data_in_transcripts_is_masked_and_redactions_stay(service, fake_rasa, wang):
    fake_rasa.user("c-pii", "我手机 13800001001，邮箱 chenjing@example.com")
    fake_rasa.user("c-pii", "卡号 ************1111 密码 ******")  # as the bot stored it
    fake_rasa.user("c-pii", "另一张卡 6222 0212 3456 7890 128")  # not Luhn-valid: left as is
    ticket_id = open_ticket(service, fake_rasa, "c-pii")
    texts = [t["text"] for t in wang.get(f"/api/handoffs/{ticket_id}").json()["transcript"]]
    assert texts[0] == "我手机 *******1001，邮箱 c***g@example.com"
    assert texts[1] == "卡号 ************1111 密码 ******"


def test_unknown_tickets_are_404(wang):
    assert_error(wang.get("/api/handoffs/424242"), 404, "TICKET_NOT_FOUND")
    assert_error(wang.get("/api/handoffs/0"), 422)
    assert_error(wang.get("/api/handoffs/abc"), 422)


def test_tickets_survive_a_restart_of_the_desk(service, fake_rasa, wang, database_url, database):
    from desk_testkit import AGENT_PASSWORD, make_settings

    ticket_id = open_ticket(service, fake_rasa, "c-restart")
    wang.post(f"/api/handoffs/{ticket_id}/messages", json={"text": "稍等"})
    restarted = create_app(
        make_settings(database_url), database=database, rasa_transport=fake_rasa.transport
    )
    fake_rasa.down = True  # and even with Rasa down the ticket and its saved transcript are there
    token = (
        client(restarted)
        .post("/api/login", json={"username": "wang", "password": AGENT_PASSWORD})
        .json()["token"]
    )
    detail = client(restarted, Authorization=f"Bearer {token}").get(f"/api/handoffs/{ticket_id}")
    body = detail.json()
    assert body["status"] == "assigned" and body["transcript_live"] is False
    assert body["transcript"][-1]["text"] == "稍等"
