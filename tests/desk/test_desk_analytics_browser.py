"""The analytics dashboard in a real browser, against ``python -m desk`` with generated data.

Two weeks of conversations go into an events database through Rasa's SQL event broker; the
desk side (tickets with replies and resolutions, ratings) is played through the desk's own
services at the moments the conversations say. Then the desk runs as production runs it, the
supervisor signs in with Debian's Chromium (Playwright), opens the dashboard, and the page must
show the known figures, draw every chart with Chart.js (served by the desk, under its
Content-Security-Policy) and keep customer text as text. Screenshots go to test-artifacts/.
A missing Chromium fails the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

import pytest
from desk_testkit import AGENT_PASSWORD, FakeBackend, FakeRasa, make_settings
from events_kit import ZONE, Dataset, EventsDatabase, generate, local, session_start, user
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from desk.db import Database, run_migrations
from desk.models.enums import Priority
from desk.schemas.analytics import RatingIn
from desk.schemas.handoff import HandoffIn, SummaryIn
from desk.services import agents, ratings, tickets
from desk.services.context import ServiceContext
from desk.services.principal import Principal
from service_kit.clock import ManualClock
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
ADMIN_PASSWORD = "e2e-desk-admin-password"  # what tests.support.stack.start_desk sets
XSS_COMMENT = '<img src=x onerror="window.__xss=1">客服很耐心'
XSS_QUESTION = "<script>window.__xss=2</script>能开增值税发票吗"
CANVASES = (
    "chart-conversations",
    "chart-rates",
    "chart-handoffs",
    "chart-csat",
    "chart-intents",
    "chart-agent-times",
)


@dataclass
class Prepared:
    desk: services.Service
    dataset: Dataset
    since: date
    until: date


def play(ctx: ServiceContext, clock: ManualClock, dataset: Dataset, agent: Principal) -> None:
    """The desk side of the conversations, each step at its moment, through the services."""
    steps = []
    for order, conversation in enumerate(dataset.conversations):
        if conversation.handed_off:
            steps.append((conversation.handoff_time, order, "handoff", conversation))
            if conversation.first_response is not None:
                at = conversation.handoff_time + conversation.first_response
                steps.append((at, order, "reply", conversation))
            if conversation.resolution is not None:
                at = conversation.handoff_time + conversation.resolution
                steps.append((at, order, "resolve", conversation))
        if conversation.rating:
            steps.append((conversation.rated_at, order, "rate", conversation))
    ticket_ids: dict[str, int] = {}
    for moment, _order, step, conversation in sorted(steps, key=lambda s: (s[0], s[1])):
        clock.set(moment)
        if step == "handoff":
            accepted = tickets.create_handoff(
                ctx,
                HandoffIn(
                    conversation_id=conversation.sender,
                    channel=conversation.channel,
                    reason=conversation.reason,
                    priority=Priority.NORMAL,
                    summary=SummaryIn(intent=conversation.messages[0][1]),
                ),
            )
            ticket_ids[conversation.sender] = accepted.id
        elif step == "reply":
            tickets.send_message(ctx, agent, ticket_ids[conversation.sender], "您好，我来帮您")
        elif step == "resolve":
            tickets.resolve(ctx, agent, ticket_ids[conversation.sender], return_to_bot=True)
        else:
            ratings.record(
                ctx,
                RatingIn(
                    conversation_id=conversation.sender,
                    channel=conversation.channel,
                    human_involved=conversation.handed_off,
                    main_intent=conversation.messages[0][1],
                    score=conversation.rating,
                    comment=XSS_COMMENT if conversation.rating <= 2 else None,
                    rated_at=moment,
                ),
            )


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Iterator[Prepared]:
    """A desk database and an events database with two weeks of history; the desk running."""
    workdir = tmp_path_factory.mktemp("desk-analytics")
    today = datetime.now(timezone.utc).astimezone(ZONE).date()
    until = today - timedelta(days=1)
    since = until - timedelta(days=13)
    dataset = generate(since, 14, seed=2026)

    events = EventsDatabase(f"sqlite:///{workdir / 'events.db'}")
    items = dataset.events()
    moment = local(until, 15)
    items += [("xss-q", e) for e in session_start(moment)]
    items.append(("xss-q", user(XSS_QUESTION, "nlu_fallback", moment + timedelta(seconds=9))))
    events.publish_all(items)
    events.dispose()

    desk_url = f"sqlite:///{workdir / 'desk.db'}"  # the file start_desk points the desk at
    db = Database(desk_url)
    run_migrations(db.engine)
    clock = ManualClock(local(since, 0))
    fake_rasa = FakeRasa()
    ctx = ServiceContext.create(
        make_settings(desk_url),
        db=db,
        clock=clock,
        rasa_transport=fake_rasa.transport,
        backend_transport=FakeBackend().transport,
    )
    info = agents.create_agent(ctx, "wang", "小王", "agent", AGENT_PASSWORD)
    agent = Principal(info.id, info.username, info.display_name, info.role, session_id=0)
    play(ctx, clock, dataset, agent)
    ctx.close()

    nowhere = f"http://127.0.0.1:{free_port()}"  # Rasa and the backend are not needed here
    with services.start_desk(
        workdir,
        nowhere,
        nowhere,
        extra_env={"DESK_EVENTS_DATABASE_URL": f"sqlite:///{workdir / 'events.db'}"},
    ) as desk:
        yield Prepared(desk, dataset, since, until)


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
def page(browser: Browser, prepared: Prepared) -> Iterator[Page]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1360, "height": 1000})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=prepared.desk.url)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"desk-{name}.png"), full_page=True)


def console_problems(page: Page) -> list[str]:
    problems: list[str] = []

    def seen(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning") or "Content Security Policy" in message.text:
            problems.append(message.text)

    page.on("console", seen)
    page.on(
        "response",
        lambda response: (
            problems.append(f"{response.status} {response.url}") if response.status >= 400 else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def test_the_supervisor_sees_the_dashboard(prepared: Prepared, page: Page):
    problems = console_problems(page)
    truth = prepared.dataset.truth(prepared.since, prepared.until)
    query = f"?since={prepared.since.isoformat()}&until={prepared.until.isoformat()}"
    page.goto(f"{prepared.desk.url}/analytics{query}")
    expect(page).to_have_url(
        f"{prepared.desk.url}/login?next={quote('/analytics' + query, safe='/')}"
    )
    page.fill("#username", "admin")
    page.fill("#password", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{prepared.desk.url}/analytics{query}")

    expect(page.locator("#kpi-conversations")).to_have_text(str(truth["conversations"] + 1))
    contained = truth["contained"] + 1  # plus the XSS question's conversation
    rate = contained / (truth["conversations"] + 1) * 100
    expect(page.locator("#kpi-containment")).to_have_text(f"{rate:.1f} %")
    expect(page.locator("#kpi-csat")).to_have_text(f"{truth['csat_avg']:.2f}")
    for canvas in CANVASES:
        expect(page.locator(f"#{canvas}")).to_have_attribute("data-rendered", "true")
    painted = page.evaluate(
        """ids => ids.map(id => {
            const c = document.getElementById(id);
            const pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let ink = 0;
            for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) ink++; }
            return [id, c.width > 100 && c.height > 100 ? ink : 0];
        })""",
        list(CANVASES),
    )
    assert all(ink > 500 for _id, ink in painted), painted
    assert page.evaluate("Object.keys(window.deskCharts).length") == 6
    assert page.evaluate("typeof window.Chart") == "function"

    comments = page.locator("#comments")
    expect(comments).to_contain_text(XSS_COMMENT)  # shown literally
    assert page.locator("#comments img").count() == 0
    assert page.evaluate("window.__xss") is None
    expect(page.locator("#table-handoffs")).to_contain_text("多次未能理解")
    shot(page, "analytics-dashboard")
    assert problems == [], problems


def test_unanswered_questions_copy_as_nlu_yaml(prepared: Prepared, page: Page):
    problems = console_problems(page)
    query = f"?since={prepared.since.isoformat()}&until={prepared.until.isoformat()}"
    page.goto(f"{prepared.desk.url}/login")
    page.fill("#username", "admin")
    page.fill("#password", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{prepared.desk.url}/analytics/unanswered{query}")
    groups = page.locator("section.group")
    expect(groups.first).to_be_visible()
    assert groups.count() >= 3
    expect(page.locator("main")).to_contain_text(XSS_QUESTION)  # text, not markup
    assert page.evaluate("window.__xss") is None

    invoices = groups.filter(has_text="发票怎么开").first
    invoices.locator("button.copy").click()
    expect(invoices.locator(".copy-state")).to_contain_text("已复制")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.splitlines()[1:3] == ["- intent: TODO", "  examples: |"]
    assert "    - 发票怎么开" in copied.splitlines()
    shot(page, "analytics-unanswered")
    assert problems == [], problems
