"""Browser tests of the chat widget against the real services.

Once per test session: the payment backend, the action server and the Rasa server (tests/support/
stack.py), a TCP proxy in front of Rasa that a test can cut (a network drop), the widget's demo
server (``python -m web``) pointed at that proxy, and Debian's Chromium driven by Playwright.
Every test gets a fresh browser context (empty localStorage: a new visitor).

Chromium must be installed (``apt-get install -y chromium fonts-noto-cjk``); without it these
tests fail — they never skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, sync_playwright

from tests.support import stack as services
from tests.support.processes import VENV_BIN, ServiceProcess, free_port
from tests.web.netproxy import TcpProxy
from tests.web.rasa_socket import ChannelBroken, check_channel
from tests.web.widget_page import WidgetPage

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
APT_HINT = "sudo apt-get install -y chromium fonts-noto-cjk"


@dataclass
class WebStack:
    """The running services a widget test talks to."""

    rasa: services.Service
    proxy: TcpProxy
    web_url: str

    @property
    def rasa_url(self) -> str:
        return self.rasa.url

    @property
    def rasa_token(self) -> str:
        return services.RASA_TOKEN

    def rasa_tracker(self, conversation_id: str) -> dict:
        return services.tracker(self.rasa, conversation_id)


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium; its absence is a failure, never a skip."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"{CHROMIUM} not found: install it with `{APT_HINT}`", pytrace=False)
    return CHROMIUM


@pytest.fixture(scope="session")
def web_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebStack]:
    workdir = tmp_path_factory.mktemp("web-stack")
    with services.start_backend(workdir) as backend:
        actions_env = {"BACKEND_URL": backend.url, "BACKEND_API_TOKEN": services.BACKEND_TOKEN}
        with services.start_actions(actions_env) as actions:
            with services.start_rasa(workdir, actions.url) as rasa:
                target = urlsplit(rasa.url)
                proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 80).start()
                port = free_port()
                web = ServiceProcess(
                    "web",
                    [str(VENV_BIN / "python"), "-m", "web"],
                    ready_url=f"http://127.0.0.1:{port}/healthz",
                    ready=lambda r: r.status_code == 200,
                    env={
                        **services.common_env(),
                        "WEB_HOST": "127.0.0.1",
                        "WEB_PORT": str(port),
                        "RASA_PUBLIC_URL": proxy.url,
                    },
                )
                with web:
                    try:
                        yield WebStack(rasa, proxy, f"http://127.0.0.1:{port}")
                    finally:
                        proxy.stop()


@pytest.fixture(scope="session")
def live_channel(web_stack: WebStack) -> WebStack:
    """The stack, once Rasa's socket.io channel has answered a message (else every live test
    fails at once with the reason, instead of each waiting for a reply that cannot come)."""
    try:
        check_channel(web_stack.rasa_url, uuid.uuid4().hex, "你好")
    except ChannelBroken as defect:
        pytest.fail(str(defect), pytrace=False)
    return web_stack


@pytest.fixture(scope="session")
def assets_url() -> Iterator[str]:
    """The demo server alone (its Rasa URL leads nowhere): for the widget's modules."""
    port = free_port()
    web = ServiceProcess(
        "web-assets",
        [str(VENV_BIN / "python"), "-m", "web"],
        ready_url=f"http://127.0.0.1:{port}/healthz",
        ready=lambda r: r.status_code == 200,
        env={"WEB_PORT": str(port), "RASA_PUBLIC_URL": "http://127.0.0.1:9"},
    )
    with web:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def browser(chromium: Path) -> Iterator[Browser]:
    # module scope: Playwright's sync API runs an event loop in this thread while it is open,
    # which would break every asyncio test that runs after the browser tests
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@dataclass
class PageWatch:
    """What the page did that a test may want to forbid: dialogs, script errors."""

    dialogs: list[str]
    errors: list[str]


def _open_page(browser: Browser, **context_options: object) -> tuple[Page, PageWatch]:
    context = browser.new_context(**context_options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    watch = PageWatch([], [])

    def on_dialog(dialog: Dialog) -> None:
        watch.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            watch.errors.append(message.text)

    page.on("dialog", on_dialog)
    page.on("console", on_console)
    page.on("pageerror", lambda error: watch.errors.append(f"uncaught: {error}"))
    return page, watch


@pytest.fixture
def widget(browser: Browser, live_channel: WebStack) -> Iterator[WidgetPage]:
    """The demo page in a fresh desktop browser context."""
    page, watch = _open_page(browser, viewport={"width": 1280, "height": 800}, locale="zh-CN")
    yield WidgetPage(page, live_channel.web_url)
    page.context.close()
    assert watch.dialogs == [], f"the page opened dialogs: {watch.dialogs}"
    assert [e for e in watch.errors if "uncaught" in e] == [], watch.errors


@pytest.fixture
def open_page(browser: Browser, live_channel: WebStack) -> Iterator:
    """Factory for pages with other context options (mobile viewport, second tab, ...)."""
    opened: list[tuple[Page, PageWatch]] = []

    def factory(**context_options: object) -> tuple[WidgetPage, PageWatch]:
        page, watch = _open_page(browser, **context_options)
        opened.append((page, watch))
        return WidgetPage(page, live_channel.web_url), watch

    yield factory
    for page, watch in opened:
        page.context.close()
        assert watch.dialogs == [], f"the page opened dialogs: {watch.dialogs}"
