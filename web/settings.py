"""The demo server's one typed settings object, read from the environment."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseSettings, Field, validator

from service_kit import production
from service_kit.customer_token import DEV_SECRET, MAX_TTL_SECONDS

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
TEMPLATES_DIR = WEB_DIR / "templates"
# socket.io-client's prebuilt browser bundles, installed by `npm ci --prefix web`.
SOCKET_IO_DIST = WEB_DIR / "node_modules" / "socket.io-client" / "dist"


class Settings(BaseSettings):
    """Every knob of the widget demo server.

    ``WEB_HOST`` / ``WEB_PORT`` / ``WEB_TOKEN_TTL_SECONDS`` / ``WEB_LOG_LEVEL`` carry the
    ``WEB_`` prefix; ``RASA_PUBLIC_URL`` and ``CHAT_JWT_SECRET`` are shared with other services.
    """

    host: str = "127.0.0.1"
    port: int = Field(8300, ge=1, le=65535)
    # The Rasa server as the customer's *browser* reaches it (socket.io lives on its port).
    rasa_public_url: str = Field("http://127.0.0.1:5005", env="RASA_PUBLIC_URL")
    chat_jwt_secret: str = Field(DEV_SECRET, env="CHAT_JWT_SECRET", min_length=16)
    # Lifetime of the demo customer tokens the page mints (the contract allows at most 24 h).
    token_ttl_seconds: int = Field(2 * 60 * 60, ge=60, le=MAX_TTL_SECONDS)
    log_level: str = "INFO"
    # EEPAY_ENV: production serves the widget only, without the demo page and its tokens.
    environment: str = Field("development", env=production.ENV_VARIABLE)

    class Config:
        env_prefix = "WEB_"
        case_sensitive = False

    @validator("rasa_public_url")
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("RASA_PUBLIC_URL must be an http(s) URL such as http://127.0.0.1:5005")
        return value.rstrip("/")

    @property
    def is_production(self) -> bool:
        """True when ``EEPAY_ENV`` says production."""
        return production.is_production({production.ENV_VARIABLE: self.environment})

    def refuse_development_secrets(self) -> None:
        """In production, exit (status 1, one log line) while ``CHAT_JWT_SECRET`` is set to a
        development or weak value. Production mints nothing here, so it may be unset; set, it is
        a sign of a development environment file."""
        production.refuse_development_secrets(
            "web",
            [production.Secret("CHAT_JWT_SECRET", required=False)],
            production=self.is_production,
        )

    @property
    def rasa_origin(self) -> str:
        """``scheme://host:port`` of the Rasa server, for the page's Content-Security-Policy."""
        parts = urlsplit(self.rasa_public_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def rasa_websocket_origin(self) -> str:
        """The same origin with the WebSocket scheme (ws / wss)."""
        parts = urlsplit(self.rasa_public_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        return f"{scheme}://{parts.netloc}"
