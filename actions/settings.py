"""Settings of the action server, read once from the environment (see .env.example)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseSettings, Field

ROOT = Path(__file__).resolve().parent.parent


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
