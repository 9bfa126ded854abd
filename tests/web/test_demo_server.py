"""The widget demo server (``python -m web``) without a browser: pages, tokens, headers, assets."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import jwt
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from service_kit import customer_token
from web import app as web_app
from web.settings import STATIC_DIR, Settings

SECRET = "test-web-chat-jwt-secret-of-32-bytes-plus"
RASA = "https://chat.eepay.example:5005"


class Tags(HTMLParser):
    """Every start tag of a page, with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


def parse(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


def widget_tag(html: str) -> dict[str, str]:
    scripts = [a for t, a in parse(html) if t == "script" and "eepay-chat" in a.get("src", "")]
    assert len(scripts) == 1, "exactly one script tag embeds the widget"
    return scripts[0]


@pytest.fixture
def settings() -> Settings:
    return Settings(rasa_public_url=RASA, chat_jwt_secret=SECRET, token_ttl_seconds=3600)


@pytest.fixture
def client(settings: Settings) -> TestClient:
    return TestClient(web_app.create_app(settings))


def test_demo_page_embeds_the_widget_with_a_token_minted_on_the_server(client: TestClient):
    page = client.get("/", params={"customer": "u1001"})
    assert page.status_code == 200
    tag = widget_tag(page.text)
    assert tag["type"] == "module"
    assert tag["src"] == "/widget/eepay-chat.js"
    assert tag["data-server-url"] == RASA
    assert tag["data-language"] == "zh"
    assert tag["data-title"] == "eepay 在线客服"
    assert customer_token.verify(tag["data-customer-token"], secret=SECRET) == "u1001"
    claims = jwt.decode(tag["data-customer-token"], SECRET, algorithms=["HS256"], issuer="eepay")
    assert claims["exp"] - claims["iat"] == 3600
    assert "张伟" in page.text


def test_every_demo_customer_and_anonymous_can_be_chosen(client: TestClient):
    options = [a["value"] for t, a in parse(client.get("/").text) if t == "option"]
    customers = [f"u{1000 + n}" for n in range(1, 10)]
    assert customers + ["anonymous"] == [o for o in options if o not in ("zh", "en")]
    for customer in customers:
        tag = widget_tag(client.get("/", params={"customer": customer}).text)
        assert customer_token.verify(tag["data-customer-token"], secret=SECRET) == customer


def test_anonymous_visitor_gets_no_token(client: TestClient):
    tag = widget_tag(client.get("/", params={"customer": "anonymous"}).text)
    assert tag["data-customer-token"] == ""


def test_english_when_asked(client: TestClient):
    tag = widget_tag(client.get("/", params={"lang": "en-US"}).text)
    assert tag["data-language"] == "en"
    assert tag["data-title"] == "eepay Support"


def test_unknown_customer_goes_back_to_the_default_page(client: TestClient):
    reply = client.get("/", params={"customer": "u9999"}, follow_redirects=False)
    assert reply.status_code == 303
    assert reply.headers["location"] == "/"


def test_page_headers_keep_the_token_private_and_scripts_local(client: TestClient):
    page = client.get("/")
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["x-content-type-options"] == "nosniff"
    csp = dict(
        part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";")
    )
    assert csp["script-src"] == "'self'"
    assert csp["connect-src"] == f"'self' {RASA} wss://chat.eepay.example:5005"
    assert csp["frame-ancestors"] == "'none'"
    assert "unsafe" not in page.headers["content-security-policy"]


def test_nothing_is_loaded_from_another_origin(client: TestClient):
    for tag, attrs in parse(client.get("/").text):
        for name in ("src", "href"):
            value = attrs.get(name, "")
            assert not re.match(r"^(https?:)?//", value), f"<{tag} {name}={value}> is remote"


def test_widget_and_socket_io_are_served_locally(client: TestClient):
    entry = client.get("/widget/eepay-chat.js")
    assert entry.status_code == 200
    assert "javascript" in entry.headers["content-type"]
    assert entry.headers["access-control-allow-origin"] == "*"
    assert 'from "./vendor/socket.io.esm.min.js"' in entry.text
    bundle = client.get("/widget/vendor/socket.io.esm.min.js")
    assert bundle.status_code == 200
    assert "Socket.IO v4" in bundle.text[:200]
    for asset in ("widget.js", "connection.js", "history.js", "i18n.js", "rating.js", "render.js"):
        assert client.get(f"/widget/{asset}").status_code == 200
    assert client.get("/widget/eepay-chat.css").headers["content-type"].startswith("text/css")
    assert client.get("/healthz").json() == {"status": "ok"}


def test_widget_code_never_parses_strings_as_html():
    forbidden = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(")
    for source in (STATIC_DIR / "widget").glob("*.js"):
        assert not forbidden.search(source.read_text()), source.name


def test_server_refuses_to_start_without_socket_io(settings: Settings, monkeypatch, tmp_path: Path):
    monkeypatch.setattr(web_app, "SOCKET_IO_DIST", tmp_path)
    with pytest.raises(web_app.MissingAssets, match="npm ci --prefix web"):
        web_app.create_app(settings)


def test_settings_reject_a_rasa_url_that_is_not_http():
    with pytest.raises(ValidationError):
        Settings(rasa_public_url="javascript:alert(1)", chat_jwt_secret=SECRET)
    settings = Settings(rasa_public_url="http://127.0.0.1:5005/", chat_jwt_secret=SECRET)
    assert settings.rasa_public_url == "http://127.0.0.1:5005"
    assert settings.rasa_websocket_origin == "ws://127.0.0.1:5005"


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("WEB_PORT", "8399")
    monkeypatch.setenv("RASA_PUBLIC_URL", "http://rasa.internal:5005")
    monkeypatch.setenv("CHAT_JWT_SECRET", SECRET)
    settings = Settings()
    assert (settings.port, settings.rasa_public_url, settings.chat_jwt_secret) == (
        8399,
        "http://rasa.internal:5005",
        SECRET,
    )


def test_production_serves_the_widget_without_the_demo_page(settings: Settings):
    production = TestClient(web_app.create_app(settings.copy(update={"environment": "production"})))
    assert production.get("/widget/eepay-chat.js").status_code == 200
    for path in ("/", "/?customer=u1001", "/demo/demo.css", "/docs", "/openapi.json"):
        page = production.get(path, follow_redirects=False)
        assert page.status_code == 404, path
        assert "eyJ" not in page.text  # no token of any customer
