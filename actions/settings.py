"""Settings of the action server, read once from the environment (see .env.example)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from pydantic import BaseSettings, Field

from service_kit import production

ROOT = Path(__file__).resolve().parent.parent

#: what the action server holds: the secret the Rasa server presents, the key of the customer
#: tokens it verifies, the tokens it calls the backend and the desk with
PRODUCTION_SECRETS = (
    production.Secret("ACTION_SERVER_TOKEN"),
    production.Secret("CHAT_JWT_SECRET"),
    production.Secret("BACKEND_API_TOKEN"),
    production.Secret("DESK_SERVICE_TOKEN"),
)


class ActionSettings(BaseSettings):
    """Where the desk is and how to reach it; where undelivered handoffs wait."""

    desk_url: str = Field("http://127.0.0.1:8200", env="DESK_URL")
    desk_service_token: str = Field("dev-desk-service-token", env="DESK_SERVICE_TOKEN")
    desk_timeout_seconds: float = Field(3.0, env="DESK_TIMEOUT_SECONDS")
    handoff_outbox_dir: Path = Field(ROOT / "var" / "handoff_outbox", env="HANDOFF_OUTBOX_DIR")
    outbox_retry_seconds: float = Field(30.0, env="HANDOFF_OUTBOX_RETRY_SECONDS")


@lru_cache(maxsize=1)
def get_settings() -> ActionSettings:
    """The process-wide settings."""
    return ActionSettings()


def refuse_development_secrets(environ: Mapping[str, str] = os.environ) -> None:
    """In production, exit (status 1, one log line naming each variable) while a secret of
    :data:`PRODUCTION_SECRETS` is missing, has its development value or is too weak."""
    production.refuse_development_secrets(
        "action server",
        PRODUCTION_SECRETS,
        environ,
        production=production.is_production(environ),
    )
