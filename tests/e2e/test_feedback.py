"""Ratings end to end: asked at the end of a conversation on REST and on WeChat, stored at the
desk, and counted in its analytics."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from service_kit.customer_token import mint
from tests.support import stack as services
from tests.support.processes import free_port
from tests.wechat.conftest import credentials_file
from tests.wechat.wechat_kit import FakeWeChatAPI, WeChatServer

pytestmark = pytest.mark.e2e


@dataclass
class FeedbackStack:
    rasa: services.Service
    backend: services.Service
    desk: services.Service
    wechat: WeChatServer

    def desk_token(self) -> str:
        reply = httpx.post(
            f"{self.desk.url}/api/login",
            json={
                "username": self.desk.env["DESK_ADMIN_USER"],
                "password": self.desk.env["DESK_ADMIN_PASSWORD"],
            },
            timeout=10,
        )
        reply.raise_for_status()
        return reply.json()["token"]


@pytest.fixture(scope="module")
def feedback_stack(tmp_path_factory) -> Iterator[FeedbackStack]:
    workdir = tmp_path_factory.mktemp("feedback-stack")
    api = FakeWeChatAPI().start()
    credentials = credentials_file(workdir / "credentials.yml", api.url)
    desk_port = free_port()
    try:
        with services.start_backend(workdir) as backend:
            env = {
                "BACKEND_URL": backend.url,
                "BACKEND_API_TOKEN": services.BACKEND_TOKEN,
                "DESK_URL": f"http://127.0.0.1:{desk_port}",
                "DESK_SERVICE_TOKEN": "e2e-desk-service-token",
                "HANDOFF_OUTBOX_DIR": str(workdir / "outbox"),
            }
            with services.start_actions(env) as actions:
                with services.start_rasa(
                    workdir, actions.url, credentials=credentials, extra_env=env
                ) as rasa:
                    with services.start_desk(
                        workdir, rasa.url, backend.url, port=desk_port
                    ) as desk:
                        wechat = WeChatServer(f"{rasa.url}/webhooks/wechat/webhook")
                        yield FeedbackStack(rasa, backend, desk, wechat)
    finally:
        api.stop()


def summary(stack: FeedbackStack) -> dict:
    reply = httpx.get(
        f"{stack.desk.url}/api/analytics/summary",
        params={"since": time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400))},
        headers={"Authorization": f"Bearer {stack.desk_token()}"},
        timeout=30,
    )
    reply.raise_for_status()
    return reply.json()


def test_ratings_from_rest_and_wechat_reach_the_desk(feedback_stack):
    # REST: a solved payment problem, then a 4 with a comment
    sender = f"fb-{uuid.uuid4().hex[:8]}"
    token = {"customer_token": mint("u1001", services.CHAT_JWT_SECRET)}
    services.chat(feedback_stack.rasa, sender, "我付款失败了", token)
    asked = services.chat(feedback_stack.rasa, sender, "/affirm", token)
    assert any(b["payload"] == "5" for r in asked for b in r.get("buttons", []))
    question = services.chat(feedback_stack.rasa, sender, "4", token)
    assert any(b["payload"] == "skip" for r in question for b in r.get("buttons", []))
    thanks = "\n".join(
        r.get("text", "") for r in services.chat(feedback_stack.rasa, sender, "回答很快", token)
    )
    assert "谢谢您的反馈" in thanks

    # WeChat: goodbye, then the rating by number (回复 1 = the first button, 5 stars), skip
    openid = f"o{uuid.uuid4().hex[:20]}"
    feedback_stack.wechat.say(openid, "你好")
    goodbye = feedback_stack.wechat.say(openid, "拜拜")
    assert "回复 1" in goodbye.content
    comment_question = feedback_stack.wechat.say(openid, "1")
    assert comment_question.content
    feedback_stack.wechat.say(openid, "1")  # the skip button of the comment question

    deadline = time.monotonic() + 30
    while True:
        figures = summary(feedback_stack)
        if figures["csat_count"] >= 2 or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert figures["csat_count"] == 2
    assert figures["csat_avg"] == pytest.approx(4.5)
    assert figures["conversations"] >= 2
