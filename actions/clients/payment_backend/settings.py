"""Where the backend is and how patient the action server is with it (from the environment)."""

from __future__ import annotations

from pydantic import BaseSettings, Field, validator

# An action runs inside the customer's turn; a backend slower than this is treated as down.
MAX_TIMEOUT_SECONDS = 3.0


class BackendClientSettings(BaseSettings):
    """Where the backend is and how patient to be with it (read from the environment)."""

    url: str = Field("http://127.0.0.1:8100", env="BACKEND_URL")
    api_token: str = Field("dev-backend-token", env="BACKEND_API_TOKEN")
    timeout_seconds: float = Field(MAX_TIMEOUT_SECONDS, env="BACKEND_TIMEOUT_SECONDS")
    max_retries: int = Field(2, ge=0, le=5, env="BACKEND_MAX_RETRIES")

    @validator("timeout_seconds")
    def _bounded_timeout(cls, value: float) -> float:
        if not 0 < value <= MAX_TIMEOUT_SECONDS:
            raise ValueError(f"must be in (0, {MAX_TIMEOUT_SECONDS}] seconds")
        return value
