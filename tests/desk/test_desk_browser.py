"""The desk in a real browser against the real stack (backend, actions, Rasa, desk).

A customer asks for a person over REST, an agent signs in, sees the ticket with the transcript
and the bot's summary, replies, the customer's channel receives the reply, the agent hands the
conversation back to the bot, and the bot answers the customer again. Also: customer text that
looks like HTML stays text, and wrong passwords and missing tokens are refused.

Debian's Chromium (/usr/bin/chromium, with fonts-noto-cjk) driven by Playwright; a missing
Chromium fails the test. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from service_kit.customer_token import mint
from tests.support import stack as services
from tests.support.processes import ROOT, free_port

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts"
SERVICE_TOKEN = "e2e-desk-service-token"
ADMIN_PASSWORD = "e2e-desk-admin-password"
XSS = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">'


@dataclass
class Stack:
    backend: services.Service
    actions: services.Service
    rasa: services.Service
    desk: services.Service


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Iterator[Stack]:
    """Backend, action server (pointed at the desk), Rasa and the desk, started once."""
    workdir = tmp_path_factory.mktemp("desk-stack")
    desk_port = free_port()
    desk_env = {"DESK_SERVICE_TOKEN": SERVICE_TOKEN, "DESK_ADMIN_PASSWORD": ADMIN_PASSWORD}
    with services.start_backend(workdir) as backend:
        with services.start_actions(
            {
                "BACKEND_URL": backend.url,
                "BACKEND_API_TOKEN": services.BACKEND_TOKEN,
                "DESK_URL": f"http://127.0.0.1:{desk_port}",
                "HANDOFF_OUTBOX_DIR": str(workdir / "handoff_outbox"),
                **desk_env,
            }
        ) as actions:
            with services.start_rasa(workdir, actions.url) as rasa:
                with services.start_desk(
                    workdir, rasa.url, backend.url, port=desk_port, extra_env=desk_env
                ) as desk:
                    yield Stack(backend, actions, rasa, desk)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Debian's Chromium is missing at {CHROMIUM}: apt-get install chromium fonts-noto-cjk"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1360, "height": 960})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"desk-{name}.png"), full_page=True)


class Customer:
    """A customer on the REST channel, optionally signed in (a customer token per message)."""

    def __init__(self, live: Stack, customer_id: str | None) -> None:
        self.live = live
        self.customer_id = customer_id
        self.sender = f"desk-e2e-{uuid.uuid4().hex[:10]}"

    def _token(self) -> str:
        return mint(self.customer_id, services.CHAT_JWT_SECRET)

    def say(self, text: str) -> list[dict]:
        metadata = {"customer_token": self._token()} if self.customer_id else None
        return services.chat(self.live.rasa, self.sender, text, metadata)

    def inbox(self, since: float) -> list[dict]:
        """What the channel shows since ``since``: GET /webhooks/rest/messages."""
        headers = {"Authorization": f"Bearer {self._token()}"} if self.customer_id else {}
        response = httpx.get(
            f"{self.live.rasa.url}/webhooks/rest/messages",
            params={"sender": self.sender, "since": since},
            headers=headers,
            timeout=30,
        )
        response.raise_for_status()
        return response.json()["messages"]

    def wait_for(self, since: float, predicate, timeout: float = 30) -> list[dict]:
        deadline = time.monotonic() + timeout
        while True:
            messages = self.inbox(since)
            if any(predicate(message) for message in messages) or time.monotonic() > deadline:
                return messages
            time.sleep(0.5)


def texts(replies: list[dict]) -> str:
    return "\n".join(reply.get("text") or "" for reply in replies)


def sign_in(page: Page, live: Stack, password: str = ADMIN_PASSWORD) -> None:
    page.goto(f"{live.desk.url}/login")
    page.fill("#username", "admin")
    page.fill("#password", password)
    page.click("button[type=submit]")


def ask_for_a_person(customer: Customer) -> str:
    """Ask for a person; the bot's answer (queue place and estimate)."""
    answer = texts(customer.say("转人工"))
    assert "人工客服" in answer, answer
    return answer


def test_customer_reaches_an_agent_and_returns_to_the_bot(live: Stack, page: Page):
    customer = Customer(live, "u1001")
    assert "¥199.00" in texts(customer.say("我付款失败了"))
    answer = ask_for_a_person(customer)
    # the place in the queue: first in line is told so, not "1 ahead of you" (issue 19, 11)
    assert "您前面没有人在排队" in answer, answer
    assert customer.say("我还在等，订单 T202611200001 很急") == []  # paused: stored, unanswered

    sign_in(page, live)
    expect(page).to_have_url(f"{live.desk.url}/queue")
    row = page.locator("#queue-waiting tbody tr", has_text="u1001")
    expect(row).to_be_visible()
    expect(row).to_contain_text("*******1001")  # masked phone from the backend
    expect(row).to_contain_text("客户要求人工")
    assert "13800001001" not in page.content()
    shot(page, "1-queue")

    row.get_by_role("link", name="查看").click()
    expect(page.locator("#summary")).to_contain_text("付款失败")  # the bot's summary
    transcript = page.locator("#transcript")
    expect(transcript).to_contain_text("我付款失败了")  # before the handoff
    expect(transcript).to_contain_text("¥199.00")  # the bot's diagnosis turn
    expect(transcript).to_contain_text("我还在等，订单 T202611200001 很急")  # while waiting
    expect(page.locator(".marker")).to_contain_text("转人工")

    # what the customer writes now shows up without reloading the page
    customer.say("能快点吗")
    expect(transcript).to_contain_text("能快点吗", timeout=15_000)
    shot(page, "2-conversation")

    since = time.time()
    page.fill("#reply-text", "您好，我是人工客服，这笔付款我来帮您处理。")
    page.click("#send")
    expect(page.locator("#notice")).to_contain_text("消息已发送")
    expect(transcript).to_contain_text("人工客服 · 客服主管")
    received = customer.wait_for(since, lambda m: m["sender"] == "agent")
    agent_messages = [m for m in received if m["sender"] == "agent"]
    assert [m["text"] for m in agent_messages] == ["您好，我是人工客服，这笔付款我来帮您处理。"]
    assert agent_messages[0]["agent_name"] == "客服主管"

    since = time.time()
    page.fill("#resolve-note", "已告知客户充值后重试")
    page.click("#resolve")  # "return to bot" is the default choice
    expect(page.locator("#notice")).to_contain_text("交回机器人")
    expect(page.locator("#status")).to_have_text("已结束")
    shot(page, "3-resolved")
    back = customer.wait_for(since, lambda m: "小e" in m["text"])
    assert any(m["sender"] == "bot" and "小e" in m["text"] for m in back), back

    reply = texts(customer.say("你好"))
    assert reply.strip(), "the bot answers again after the handoff"

    api = httpx.post(
        f"{live.desk.url}/api/login", json={"username": "admin", "password": ADMIN_PASSWORD}
    ).json()
    resolved = httpx.get(
        f"{live.desk.url}/api/handoffs",
        params={"status": "resolved", "customer_id": "u1001"},
        headers={"Authorization": f"Bearer {api['token']}"},
    ).json()
    assert [t["conversation_id"] for t in resolved] == [customer.sender]
    detail = httpx.get(
        f"{live.desk.url}/api/handoffs/{resolved[0]['id']}",
        headers={"Authorization": f"Bearer {api['token']}"},
    ).json()
    senders = [turn["sender"] for turn in detail["transcript"]]
    assert senders[0] == "user" and "bot" in senders and "agent" in senders


def test_customer_text_is_shown_as_text(live: Stack, page: Page):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    customer = Customer(live, None)
    customer.say(XSS)
    ask_for_a_person(customer)
    customer.say("<b>还在吗</b>")

    sign_in(page, live)
    row = page.locator("#queue-waiting tbody tr", has_text="访客")
    expect(row.first).to_be_visible()
    page.goto(f"{live.desk.url}/handoffs/{ticket_of(live, customer.sender)}")
    transcript = page.locator("#transcript")
    expect(transcript).to_contain_text(XSS)  # shown literally
    expect(transcript).to_contain_text("<b>还在吗</b>")
    customer.say("<svg onload=alert(1)>")  # arrives through the live update (textContent)
    expect(transcript).to_contain_text("<svg onload=alert(1)>", timeout=15_000)
    shot(page, "4-xss")
    assert page.evaluate("window.__xss") is None
    assert dialogs == []
    assert page.locator("#transcript img, #transcript svg, #transcript b").count() == 0


def ticket_of(live: Stack, conversation_id: str) -> int:
    token = httpx.post(
        f"{live.desk.url}/api/login", json={"username": "admin", "password": ADMIN_PASSWORD}
    ).json()["token"]
    tickets = httpx.get(
        f"{live.desk.url}/api/handoffs",
        params={"status": "waiting"},
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    return next(t["id"] for t in tickets if t["conversation_id"] == conversation_id)


def test_wrong_password_and_missing_token_are_refused(live: Stack, page: Page):
    sign_in(page, live, password="not-the-password")
    expect(page.locator("#login-error")).to_contain_text("用户名或密码错误")
    expect(page).to_have_url(f"{live.desk.url}/login")
    page.goto(f"{live.desk.url}/queue")
    expect(page).to_have_url(f"{live.desk.url}/login?next=/queue")
    shot(page, "5-refused")

    wrong = httpx.post(
        f"{live.desk.url}/api/login", json={"username": "admin", "password": "not-the-password"}
    )
    assert wrong.status_code == 401 and "token" not in wrong.json()
    assert httpx.get(f"{live.desk.url}/api/handoffs").status_code == 401
    assert httpx.get(f"{live.desk.url}/api/handoffs/1").status_code == 401
    assert httpx.post(f"{live.desk.url}/api/internal/handoffs", json={}).status_code == 401
    assert (
        httpx.get(
            f"{live.desk.url}/api/handoffs", headers={"Authorization": "Bearer forged"}
        ).status_code
        == 401
    )
