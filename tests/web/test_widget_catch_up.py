"""The widget shows what was sent while its socket was down, exactly once (issue 20).

Headless Chromium against the real Rasa server: the network between the browser and Rasa is
cut (tests/web/netproxy.py), an agent replies meanwhile through Rasa's HTTP API as the desk
does, the network comes back, and the reply is shown once, also after another drop and a
reload. The comparison of the widget's messages with the server's (web/static/widget/
catchup.js) is checked on its own as well.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import WebStack
from tests.web.test_widget_browser import push_bot_event
from tests.web.widget_page import BOT_TIMEOUT_MS, WidgetPage

pytestmark = [pytest.mark.browser]

OFFLINE = "网络已断开，正在重新连接…"
ONLINE = "在线"


def agent_message(text: str) -> dict:
    return {
        "event": "bot",
        "text": text,
        "data": {"custom": {"type": "agent_message", "agent_name": "小王", "text": text}},
        "metadata": {"sender": "agent", "agent_name": "小王"},
    }


def drop_network(widget: WidgetPage, stack: WebStack) -> None:
    stack.proxy.cut()
    expect(widget.status).to_have_text(OFFLINE, timeout=30_000)


def restore_network(widget: WidgetPage, stack: WebStack) -> None:
    stack.proxy.restore()
    expect(widget.status).to_have_text(ONLINE, timeout=BOT_TIMEOUT_MS)


@pytest.mark.e2e
def test_an_agent_reply_sent_while_offline_is_shown_once_after_the_reconnect(
    widget: WidgetPage, web_stack: WebStack
) -> None:
    widget.visit(customer="u1003")
    widget.open_chat()
    widget.send("你好")
    widget.wait_for_reply_to("你好")
    session = widget.session_id()
    agent = widget.page.locator(".eec-msg--agent")
    text = "您好，我是人工客服小王。您断线的时候我回复了这条消息。"

    drop_network(widget, web_stack)
    try:
        push_bot_event(web_stack, session, agent_message(text))
        time.sleep(1.0)  # the server has emitted it into the room: nobody there got it
        assert agent.count() == 0
    finally:
        restore_network(widget, web_stack)

    expect(agent).to_have_count(1)
    expect(agent.locator(".eec-bubble")).to_have_text(text)
    expect(agent.locator(".eec-sender")).to_have_text("人工客服 · 小王")
    widget.screenshot("catch-up-01-agent-reply-after-reconnect")
    time.sleep(2.0)  # no late duplicate from the socket
    expect(agent).to_have_count(1)

    # Another drop with nothing missed, then a second missed reply: still each exactly once.
    bot_bubbles = widget.bot_messages.count()
    drop_network(widget, web_stack)
    restore_network(widget, web_stack)
    time.sleep(1.5)
    assert widget.bot_messages.count() == bot_bubbles
    drop_network(widget, web_stack)
    try:
        push_bot_event(web_stack, session, agent_message("第二条：退款已经提交了。"))
    finally:
        restore_network(widget, web_stack)
    expect(agent).to_have_count(2)
    expect(agent.nth(1).locator(".eec-bubble")).to_have_text("第二条：退款已经提交了。")

    # A reload rebuilds the conversation from this browser's history: nothing twice.
    widget.reload()
    expect(widget.status).to_have_text(ONLINE, timeout=BOT_TIMEOUT_MS)
    time.sleep(1.5)
    expect(agent).to_have_count(2)
    assert widget.session_id() == session


@pytest.fixture
def page(browser: Browser, assets_url: str) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{assets_url}/healthz")  # any page of the widget's origin
    yield page
    context.close()


def reconcile(page: Page, local: list[dict], fetched: list[dict]) -> dict:
    return page.evaluate(
        """async ([local, fetched]) => {
          const { reconcile, unmatched } = await import('/widget/catchup.js');
          const { matched, missing } = reconcile(unmatched(local), fetched);
          return {
            matched: matched.map(([message, ts]) => [message.id, ts]),
            missing: missing.map((m) => m.text),
          };
        }""",
        [local, fetched],
    )


def mine(number: int, text: str, sender: str = "bot", server_ts: float | None = None) -> dict:
    message = {"id": f"m{number}", "from": sender, "text": text, "ts": 1000 + number}
    if server_ts is not None:
        message["serverTs"] = server_ts
    return message


def theirs(at: float, text: str, sender: str = "bot") -> dict:
    return {"text": text, "timestamp": at, "sender": sender}


def test_only_what_the_server_has_and_the_widget_lacks_is_missing(page: Page) -> None:
    local = [
        mine(1, "你好", "user"),
        mine(2, "您好！"),
        mine(3, "好的"),
        mine(4, "消息太长了"),  # shown by the widget only (never stored by the server)
    ]
    fetched = [
        theirs(1.0, "您好！"),
        theirs(2.0, "好的"),
        theirs(3.0, "好的", "agent"),  # same text, another sender
        theirs(4.0, "好的"),  # repeated: the second one was missed
        theirs(5.0, "", "bot"),  # nothing to show (a rating card's payload)
    ]
    result = reconcile(page, local, fetched)
    assert result == {"matched": [["m2", 1.0], ["m3", 2.0]], "missing": ["好的", "好的"]}


def test_messages_before_the_latest_stamp_are_settled(page: Page) -> None:
    local = [
        mine(1, "上一次会话", server_ts=5.0),  # an earlier catch-up matched it
        mine(2, "请问还有什么可以帮您？"),
    ]
    fetched = [theirs(6.0, "请问还有什么可以帮您？"), theirs(7.0, "人工回复", "agent")]
    assert reconcile(page, local, fetched) == {"matched": [["m2", 6.0]], "missing": ["人工回复"]}
    cursor = page.evaluate(
        """async (local) => (await import('/widget/catchup.js')).serverCursor(local)""", local
    )
    assert cursor == 5.0
