"""The chat widget in headless Chromium against the real Rasa, action server and backend.

Assertions are on structure (a bot message, quick-reply buttons that work, styles, state),
not on the bot's exact wording, which other issues refine.
"""

from __future__ import annotations

import re
import time

import httpx
import pytest
from playwright.sync_api import expect

from tests.web.conftest import WebStack
from tests.web.widget_page import BOT_TIMEOUT_MS, WidgetPage

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

PAYMENT_FAILED = "我付款失败了"
XSS = "<img src=x onerror=alert(1)>"
TIME_OF_DAY = re.compile(r"^\d{2}:\d{2}$")


def push_bot_event(stack: WebStack, conversation_id: str, event: dict) -> None:
    """What the agent desk does: append a bot event and send it to the customer's channel."""
    reply = httpx.post(
        f"{stack.rasa_url}/conversations/{conversation_id}/tracker/events",
        params={
            "output_channel": "latest",
            "execute_side_effects": "true",
            "token": stack.rasa_token,
        },
        json=event,
        timeout=30,
    )
    assert reply.status_code == 200, reply.text


def record_typing_indicator(widget: WidgetPage) -> None:
    """Remembers every time the typing indicator is shown or hidden (window.__typing)."""
    widget.page.evaluate(
        """() => {
          const typing = document.querySelector('[data-eepay-chat]').shadowRoot
            .querySelector('.eec-typing');
          window.__typing = [];
          new MutationObserver(() => window.__typing.push(typing.hidden ? 'hidden' : 'shown'))
            .observe(typing, {attributes: true, attributeFilter: ['hidden']});
        }"""
    )


def test_payment_failure_answer_with_quick_replies_survives_a_reload(widget: WidgetPage):
    widget.visit(customer="u1001")
    expect(widget.page.get_by_test_id("account")).to_contain_text("u1001")
    widget.open_chat()
    record_typing_indicator(widget)

    widget.send(PAYMENT_FAILED)
    replies = widget.wait_for_reply_to(PAYMENT_FAILED)
    assert widget.page.evaluate("window.__typing")[0] == "shown", "no typing indicator"
    expect(widget.typing).to_be_hidden()
    # The diagnosis may come in several messages; the quick replies hang on one of them.
    expect(replies.locator(".eec-quick__button").first).to_be_visible(timeout=BOT_TIMEOUT_MS)
    answer_id = replies.filter(has=widget.page.locator(".eec-quick")).first.get_attribute("data-id")
    answer = widget.page.locator(f'.eec-log > li[data-id="{answer_id}"]')
    buttons = answer.locator(".eec-quick__button")
    expect(buttons.first).to_be_enabled()
    expect(answer.locator(".eec-quick")).to_have_attribute("role", "group")
    for stamp in widget.messages.locator("time").all():
        assert TIME_OF_DAY.match(stamp.inner_text()), stamp.inner_text()
        assert stamp.get_attribute("datetime")
    widget.screenshot("01-payment-failed-answer")

    # Click a quick reply: its title is shown as the customer's message, its payload is sent.
    titles = [t.strip() for t in buttons.all_inner_texts()]
    choice = next((t for t in titles if "人工" not in t), titles[0])
    answer.get_by_role("button", name=choice).click()
    expect(widget.user_message(choice)).to_be_visible()
    widget.wait_for_reply_to(choice)
    chosen = answer.locator(".eec-quick__button.is-chosen")
    expect(chosen).to_have_text(choice)
    expect(chosen).to_have_attribute("aria-pressed", "true")
    for button in buttons.all():
        expect(button).to_be_disabled()
    assert widget.log_is_scrolled_to_bottom()
    session = widget.session_id()
    texts_before = widget.messages.locator(".eec-bubble").all_inner_texts()
    widget.screenshot("02-quick-reply-answered")

    # Reload: the same conversation, the same rendered history, the panel still open.
    widget.reload()
    expect(widget.panel).to_be_visible()
    expect(widget.status).to_have_text("在线", timeout=BOT_TIMEOUT_MS)
    assert widget.session_id() == session
    assert widget.messages.locator(".eec-bubble").all_inner_texts() == texts_before
    expect(widget.user_message(PAYMENT_FAILED)).to_be_visible()
    expect(answer.locator(".is-chosen")).to_have_text(choice)
    expect(answer.locator(".eec-quick__button:enabled")).to_have_count(0)
    assert widget.log_is_scrolled_to_bottom()
    widget.screenshot("03-after-reload")

    # The conversation goes on after the reload, in the same Rasa conversation.
    widget.send("谢谢")
    widget.wait_for_reply_to("谢谢")
    assert widget.session_id() == session


def test_customer_html_is_shown_as_text(widget: WidgetPage):
    widget.visit(customer="u1001")
    widget.open_chat()
    widget.send(XSS)
    widget.wait_for_reply_to(XSS)
    bubble = widget.user_message(XSS).locator(".eec-bubble")
    expect(bubble).to_have_text(XSS)
    assert widget.page.locator(".eec-log img").count() == 0
    assert bubble.evaluate("node => node.childElementCount") == 0
    widget.screenshot("04-html-as-text")
    # The fixture fails the test if any dialog (alert) opened.


def test_agent_message_is_marked_as_a_person_and_counted_unread(
    widget: WidgetPage, web_stack: WebStack
):
    widget.visit(customer="u1002")
    widget.open_chat()
    session = widget.session_id()
    widget.launcher.click()  # close the panel: the agent's reply arrives while it is closed
    expect(widget.panel).to_be_hidden()

    text = "您好，我是人工客服小王，已经在帮您查这笔付款，详情见 https://eepay.example/help?id=1 。"
    push_bot_event(
        web_stack,
        session,
        {
            "event": "bot",
            "text": text,
            "data": {"custom": {"type": "agent_message", "agent_name": "小王", "text": text}},
            "metadata": {"sender": "agent", "agent_name": "小王"},
        },
    )
    expect(widget.badge).to_have_text("1")
    expect(widget.launcher).to_have_attribute("aria-label", re.compile("1 条未读"))
    widget.screenshot("05-unread-badge")

    widget.launcher.click()
    expect(widget.badge).to_be_hidden()
    agent = widget.page.locator(".eec-msg--agent")
    expect(agent).to_have_count(1)
    expect(agent.locator(".eec-sender")).to_have_text("人工客服 · 小王")
    expect(agent.locator(".eec-bubble")).to_contain_text("人工客服小王")
    link = agent.locator("a.eec-link")
    expect(link).to_have_attribute("href", "https://eepay.example/help?id=1")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
    expect(link).to_have_attribute("target", "_blank")
    agent_bg = agent.locator(".eec-bubble").evaluate("n => getComputedStyle(n).backgroundColor")
    bot_bg = widget.bot_messages.first.locator(".eec-bubble").evaluate(
        "n => getComputedStyle(n).backgroundColor"
    )
    assert agent_bg != bot_bg, "agent messages must look different from the bot's"
    widget.screenshot("06-agent-message")


def test_reconnects_after_a_network_drop_with_the_conversation_intact(
    widget: WidgetPage, web_stack: WebStack
):
    widget.visit(customer="u1001")
    widget.open_chat()
    widget.send("我想退款")
    widget.wait_for_reply_to("我想退款")
    session = widget.session_id()
    before = widget.messages.count()

    web_stack.proxy.cut()
    try:
        expect(widget.status).to_have_text("网络已断开，正在重新连接…", timeout=30_000)
        # Written while offline: kept, marked as waiting, sent after the reconnect.
        widget.send(PAYMENT_FAILED)
        expect(widget.user_message(PAYMENT_FAILED).locator(".eec-pending")).to_be_visible()
        # The widget keeps trying while the network is down (and fails: still offline).
        deadline = time.monotonic() + 20
        while web_stack.proxy.refused < 1:
            assert time.monotonic() < deadline, "the widget never tried to reconnect"
            time.sleep(0.2)
        expect(widget.status).to_have_text("网络已断开，正在重新连接…")
        widget.screenshot("07-offline")
    finally:
        web_stack.proxy.restore()

    expect(widget.status).to_have_text("在线", timeout=BOT_TIMEOUT_MS)
    expect(widget.user_message(PAYMENT_FAILED).locator(".eec-pending")).to_have_count(0)
    widget.wait_for_reply_to(PAYMENT_FAILED)
    assert widget.session_id() == session
    assert widget.messages.count() > before
    expect(widget.user_message("我想退款")).to_be_visible()
    widget.screenshot("08-reconnected")


def test_rating_request_collects_a_score_and_comment(widget: WidgetPage, web_stack: WebStack):
    widget.visit(customer="u1001")
    widget.open_chat()
    session = widget.session_id()
    # The contract's custom payload (docs/contracts.md), pushed as the desk or the bot would.
    push_bot_event(
        web_stack,
        session,
        {
            "event": "bot",
            "text": "本次服务已结束。",
            "data": {"custom": {"type": "rating_request", "conversation_id": session}},
        },
    )
    card = widget.page.locator(".eec-rating")
    expect(card).to_be_visible()
    expect(card).to_have_attribute("role", "group")
    card.get_by_role("button", name="提交评价").click()
    expect(card.get_by_role("alert")).to_have_text("请先选择 1-5 分")

    card.get_by_label("4 分 · 满意").check()
    card.get_by_label("其他意见（选填）").fill("回复很快")
    widget.screenshot("09-rating-form")
    card.get_by_role("button", name="提交评价").click()

    sent = "评分：4 分；意见：回复很快"
    expect(widget.user_message(sent)).to_be_visible()
    expect(card).to_contain_text("感谢您的评价！您给出了 4 分。")
    widget.wait_for_reply_to(sent)  # the bot acknowledges the rating message
    widget.reload()
    expect(widget.page.locator(".eec-rating")).to_contain_text("感谢您的评价")
    expect(widget.page.locator(".eec-rating form")).to_have_count(0)
    widget.screenshot("10-rating-sent")


def test_keyboard_only_use_and_aria(widget: WidgetPage):
    widget.visit(customer="anonymous")
    launcher = widget.launcher
    expect(launcher).to_have_attribute("aria-expanded", "false")
    expect(launcher).to_have_attribute("aria-label", "打开在线客服")
    launcher.focus()
    widget.page.keyboard.press("Enter")
    expect(widget.panel).to_be_visible()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    panel_id = launcher.get_attribute("aria-controls")
    expect(widget.panel).to_have_attribute("id", panel_id)
    expect(widget.page.get_by_role("dialog", name="eepay 在线客服")).to_be_visible()
    expect(widget.page.get_by_role("log", name="聊天记录")).to_be_visible()
    expect(widget.page.get_by_label("输入您的问题")).to_be_focused()
    expect(widget.bot_messages.first).to_be_visible(timeout=BOT_TIMEOUT_MS)

    widget.page.keyboard.type("你好")
    widget.page.keyboard.press("Enter")
    widget.wait_for_reply_to("你好")

    # Quick replies are ordinary buttons: focus one and press Enter.
    button = widget.replies_after("你好").locator(".eec-quick__button:enabled").first
    if button.count():
        title = button.inner_text().strip()
        button.focus()
        widget.page.keyboard.press("Enter")
        expect(widget.user_message(title)).to_be_visible()

    # Shift+Enter is a new line, not a send.
    widget.input.focus()
    widget.page.keyboard.type("第一行")
    widget.page.keyboard.press("Shift+Enter")
    widget.page.keyboard.type("第二行")
    expect(widget.input).to_have_value("第一行\n第二行")
    widget.input.fill("")

    widget.page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    expect(widget.page.get_by_role("button", name="发送")).to_be_hidden()


def test_english_ui_when_configured(widget: WidgetPage):
    widget.visit(customer="u1001", lang="en")
    expect(widget.launcher).to_have_attribute("aria-label", "Open support chat")
    widget.open_chat()
    expect(widget.page.get_by_role("dialog", name="eepay Support")).to_be_visible()
    expect(widget.input).to_have_attribute("placeholder", "Type your question…")
    expect(widget.status).to_have_text("Online")
    expect(widget.page.get_by_role("button", name="Send")).to_be_visible()
    expect(widget.page.locator(".eec")).to_have_attribute("lang", "en")
    widget.send("my payment failed")
    replies = widget.wait_for_reply_to("my payment failed")
    expect(replies.first.locator(".eec-sender")).to_have_text("eepay assistant")
    widget.screenshot("11-english")


def test_mobile_layout_fills_the_screen(open_page):
    widget, _ = open_page(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    widget.visit(customer="u1001")
    box = widget.launcher.bounding_box()
    assert box and box["x"] + box["width"] <= 390 and box["y"] + box["height"] <= 844
    widget.screenshot("12-mobile-closed")
    widget.launcher.tap()
    expect(widget.panel).to_be_visible()
    panel = widget.panel.bounding_box()
    assert panel is not None
    assert (round(panel["x"]), round(panel["y"])) == (0, 0)
    assert (round(panel["width"]), round(panel["height"])) == (390, 844)
    expect(widget.launcher).to_be_hidden()
    font_size = widget.input.evaluate("n => parseFloat(getComputedStyle(n).fontSize)")
    assert font_size >= 16, "smaller inputs make iOS zoom in"
    expect(widget.bot_messages.first).to_be_visible(timeout=BOT_TIMEOUT_MS)
    widget.send(PAYMENT_FAILED)
    answer = widget.wait_for_reply_to(PAYMENT_FAILED)
    button = answer.locator(".eec-quick__button").first
    expect(button).to_be_in_viewport()
    button_box = button.bounding_box()
    assert button_box and button_box["x"] + button_box["width"] <= 390
    widget.screenshot("13-mobile-open")
    widget.page.get_by_role("button", name="关闭聊天窗口").tap()
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_be_visible()


def test_a_second_tab_shows_the_same_conversation(widget: WidgetPage):
    widget.visit(customer="u1001")
    widget.open_chat()
    widget.send(PAYMENT_FAILED)
    widget.wait_for_reply_to(PAYMENT_FAILED)

    second = WidgetPage(widget.page.context.new_page(), widget.base_url).visit(customer="u1001")
    second.launcher.click()
    expect(second.user_message(PAYMENT_FAILED)).to_be_visible()
    assert second.session_id() == widget.session_id()

    second.send("谢谢")
    replies = second.wait_for_reply_to("谢谢")
    expect(widget.user_message("谢谢")).to_be_visible()
    # Both tabs received the reply over their own socket; each shows it once, in the same order.
    deadline = time.monotonic() + 20
    while (first_texts := bubbles(widget)) != (second_texts := bubbles(second)):
        assert time.monotonic() < deadline, (first_texts, second_texts, held(widget), held(second))
        time.sleep(0.2)
    reply = replies.first.locator(".eec-bubble").inner_text()
    assert first_texts.count(reply) == 1
    # in order: the customer's 谢谢, then the first reply to it (a rating question that
    # follows may be drawn without a text bubble, so count from the reply, not from the end)
    assert first_texts[first_texts.index(reply) - 1] == "谢谢"


def bubbles(widget: WidgetPage) -> list[str]:
    return widget.messages.locator(".eec-bubble").all_inner_texts()


def held(widget: WidgetPage) -> list[list]:
    """What one tab sees stored, for a failure message: (id, origin, ts, rev, text) of each."""
    return widget.page.evaluate(
        """() => Object.keys(localStorage).filter(k => k.startsWith('eepay-chat:v1:'))
              .flatMap(k => (JSON.parse(localStorage.getItem(k)).messages ?? [])
              .map(m => [m.id, m.origin, m.ts, m.rev ?? 0, (m.text ?? '').slice(0, 20)]))"""
    )
