"""The backend's one typed settings object, read from the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from pydantic import BaseSettings, Field, validator

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE_PATH = REPO_ROOT / "var" / "backend.db"
DEV_API_TOKEN = "dev-backend-token"
DEV_SECRET_KEY = "dev-backend-secret-change-me"


class Settings(BaseSettings):
    """Every knob of the payment backend sandbox.

    Environment variables carry the `BACKEND_` prefix (BACKEND_PORT, BACKEND_API_TOKEN, ...);
    the database URL also falls back to the shared `DATABASE_URL`.
    """

    host: str = "127.0.0.1"
    port: int = Field(8100, ge=1, le=65535)
    api_token: str = Field(DEV_API_TOKEN, min_length=8)
    # Keys the HMAC of verification codes, reset tokens and CSRF values.
    secret_key: str = Field(DEV_SECRET_KEY, min_length=16)
    database_url: Optional[str] = Field(None, env=["BACKEND_DATABASE_URL", "DATABASE_URL"])
    reset_page_url: str = "http://127.0.0.1:8100/security/reset"
    log_level: str = "INFO"

    # Request hygiene.
    max_body_bytes: int = Field(64 * 1024, ge=1024)

    # Verification codes (password reset / unlock).
    code_ttl_seconds: int = Field(600, ge=30)
    code_max_attempts: int = Field(5, ge=1)
    code_min_interval_seconds: int = Field(60, ge=0)
    code_daily_limit: int = Field(10, ge=1)
    reset_token_ttl_seconds: int = Field(900, ge=60)

    # Login lock.
    login_max_failures: int = Field(5, ge=1)

    # Refund review: the platform promises a decision within this many working days.
    refund_review_working_days: int = Field(3, ge=0)

    # Duplicate-charge detection: same payee and amount within this many minutes.
    duplicate_window_minutes: int = Field(10, ge=1)
    duplicate_lookback_days: int = Field(30, ge=1)

    # argon2id parameters (RFC 9106 low-memory profile by default).
    argon2_time_cost: int = Field(3, ge=1)
    argon2_memory_cost_kib: int = Field(65536, ge=8)
    argon2_parallelism: int = Field(4, ge=1)

    # Start-up behaviour of `python -m backend`.
    migrate_on_start: bool = True
    seed_demo_on_start: bool = True

    # Fault injection and clock control under /v1/_test; never enable in production.
    enable_test_endpoints: bool = False

    class Config:
        env_prefix = "BACKEND_"
        case_sensitive = False

    @validator("database_url", always=True)
    def _default_database_url(cls, value: Optional[str]) -> str:
        if value:
            return value
        return f"sqlite:///{DEFAULT_SQLITE_PATH}"

    @property
    def is_sqlite(self) -> bool:
        """True when the configured database is SQLite."""
        return str(self.database_url).startswith("sqlite")
