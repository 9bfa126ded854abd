"""Fixtures of the WeChat suite: a fake customer-service API, and the real stack (payment
backend, action server, Rasa server with the WeChat channel) started once per session.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support import stack as services
from tests.wechat.wechat_kit import (
    AES_KEY,
    APP_ID,
    APP_SECRET,
    REPLY_BUDGET_SECONDS,
    TOKEN,
    FakeWeChatAPI,
    WeChatServer,
)


@dataclass
class WeChatStack:
    rasa: services.Service
    backend: services.Service
    api: FakeWeChatAPI
    wechat: WeChatServer

    def backend_call(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        return httpx.request(
            method,
            f"{self.backend.url}{path}",
            headers={"Authorization": f"Bearer {services.BACKEND_ADMIN_TOKEN}"},
            timeout=10,
            **kwargs,
        )

    def tracker(self, sender: str) -> dict:
        return services.tracker(self.rasa, sender)

    def user_texts(self, sender: str) -> list[str]:
        return [e.get("text") for e in self.tracker(sender)["events"] if e["event"] == "user"]


def credentials_file(path: Path, api_url: str) -> Path:
    """The project's channels plus the WeChat block with the test account's settings."""
    path.write_text(
        "channels.rest.RestInput:\n"
        "channels.wechat.WeChatInput:\n"
        f"  token: {TOKEN}\n"
        f"  encoding_aes_key: {AES_KEY}\n"
        f"  app_id: {APP_ID}\n"
        f"  app_secret: {APP_SECRET}\n"
        f"  api_base_url: {api_url}\n"
        f"  reply_budget_seconds: {REPLY_BUDGET_SECONDS}\n"
    )
    return path


@pytest.fixture(scope="session")
def fake_api() -> Iterator[FakeWeChatAPI]:
    api = FakeWeChatAPI().start()
    yield api
    api.stop()


@pytest.fixture(scope="session")
def wechat_stack(
    tmp_path_factory: pytest.TempPathFactory, fake_api: FakeWeChatAPI
) -> Iterator[WeChatStack]:
    workdir = tmp_path_factory.mktemp("wechat-stack")
    credentials = credentials_file(workdir / "credentials.yml", fake_api.url)
    with services.start_backend(workdir) as backend:
        backend_env = {"BACKEND_URL": backend.url, "BACKEND_API_TOKEN": services.BACKEND_TOKEN}
        with services.start_actions(backend_env) as actions:
            with services.start_rasa(
                workdir, actions.url, credentials=credentials, extra_env=backend_env
            ) as rasa:
                services.chat(rasa, "warm-up", "你好")  # the first prediction builds TF graphs
                yield WeChatStack(
                    rasa, backend, fake_api, WeChatServer(f"{rasa.url}/webhooks/wechat/webhook")
                )
