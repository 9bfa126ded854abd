"""A page object for the demo page and its chat widget, so tests read like what a customer does.

Playwright's CSS and role locators pierce the widget's open shadow root, so the selectors below
address the widget's own class names directly.
"""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.support.processes import ROOT

ARTIFACTS = ROOT / "test-artifacts" / "web"
BOT_TIMEOUT_MS = 45_000


class WidgetPage:
    """The demo page at ``base_url`` in one browser tab."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    # --- navigation --------------------------------------------------------------------
    def visit(self, customer: str = "u1001", lang: str = "zh") -> WidgetPage:
        self.page.goto(f"{self.base_url}/?customer={customer}&lang={lang}")
        expect(self.launcher).to_be_visible()
        return self

    def reload(self) -> None:
        self.page.reload()
        expect(self.launcher).to_be_visible()

    # --- parts of the widget -------------------------------------------------------------
    @property
    def launcher(self) -> Locator:
        return self.page.locator(".eec-launcher")

    @property
    def badge(self) -> Locator:
        return self.page.locator(".eec-badge")

    @property
    def panel(self) -> Locator:
        return self.page.get_by_role("dialog")

    @property
    def input(self) -> Locator:
        return self.page.locator(".eec-input")

    @property
    def status(self) -> Locator:
        return self.page.locator(".eec-status")

    @property
    def typing(self) -> Locator:
        return self.page.locator(".eec-typing")

    @property
    def messages(self) -> Locator:
        return self.page.locator(".eec-log > li")

    @property
    def bot_messages(self) -> Locator:
        return self.page.locator(".eec-msg--bot")

    def user_message(self, text: str) -> Locator:
        return self.page.locator(".eec-msg--user").filter(
            has=self.page.locator(".eec-bubble", has_text=text)
        )

    def replies_after(self, text: str) -> Locator:
        """Bot and agent messages that follow the customer's message ``text``."""
        quoted = json.dumps(text, ensure_ascii=False)
        mine = f".eec-msg--user:has(.eec-bubble:text-is({quoted}))"
        return self.page.locator(f"{mine} ~ .eec-msg:not(.eec-msg--user)")

    # --- what a customer does ------------------------------------------------------------
    def open_chat(self, expect_greeting: bool = True) -> None:
        self.launcher.click()
        expect(self.panel).to_be_visible()
        expect(self.input).to_be_focused()
        if expect_greeting:
            expect(self.bot_messages.first).to_be_visible(timeout=BOT_TIMEOUT_MS)
        expect(self.status).to_have_attribute("role", "status")

    def send(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")
        expect(self.user_message(text).last).to_be_visible()

    def wait_for_reply_to(self, text: str) -> Locator:
        replies = self.replies_after(text)
        expect(replies.first).to_be_visible(timeout=BOT_TIMEOUT_MS)
        return replies

    def session_id(self) -> str:
        value = self.page.evaluate("() => window.EepayChat && window.EepayChat.sessionId")
        assert isinstance(value, str) and value, "the widget has no confirmed session id"
        return value

    def log_is_scrolled_to_bottom(self) -> bool:
        return self.page.locator(".eec-log").evaluate(
            "log => log.scrollHeight - log.scrollTop - log.clientHeight < 4"
        )

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=False)
        return path
