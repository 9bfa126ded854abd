"""The backend's one typed settings object, read from the environment (the fields every
service has are ``service_kit.settings.ServiceSettings``)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Optional

from pydantic import Field, validator

from service_kit.policy import POLICY
from service_kit.production import Secret
from service_kit.settings import ServiceSettings

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE_PATH = REPO_ROOT / "var" / "backend.db"
DEV_API_TOKEN = "dev-backend-token"
DEV_SECRET_KEY = "dev-backend-secret-change-me"


class Settings(ServiceSettings):
    """Every knob of the payment backend sandbox.

    Environment variables carry the `BACKEND_` prefix (BACKEND_PORT, BACKEND_API_TOKEN, ...);
    the database URL also falls back to the shared `DATABASE_URL`.
    """

    default_sqlite_path: ClassVar[Path] = DEFAULT_SQLITE_PATH

    port: int = Field(8100, ge=1, le=65535)
    api_token: str = Field(DEV_API_TOKEN, min_length=8)
    # One token per caller (backend/core/access.py); api_token above is the action server's.
    # Unset = that caller has no access (never a fallback to another caller's token).
    desk_token: Optional[str] = Field(None, min_length=8)
    wechat_token: Optional[str] = Field(None, min_length=8)
    admin_token: Optional[str] = Field(None, min_length=8)
    # Keys the HMAC of verification codes, reset tokens and CSRF values.
    secret_key: str = Field(DEV_SECRET_KEY, min_length=16)
    reset_page_url: str = "http://127.0.0.1:8100/security/reset"

    # The defaults below are eepay's published policy (service_kit/policy.yml), which the bot's
    # answers state too; the environment overrides them only for tests and drills.

    # Verification codes (password reset / unlock).
    code_ttl_seconds: int = Field(POLICY.verification.code_valid_minutes * 60, ge=30)
    code_max_attempts: int = Field(POLICY.verification.code_max_attempts, ge=1)
    code_min_interval_seconds: int = Field(POLICY.verification.code_resend_seconds, ge=0)
    code_daily_limit: int = Field(POLICY.verification.codes_per_day, ge=1)
    reset_token_ttl_seconds: int = Field(POLICY.verification.reset_link_valid_minutes * 60, ge=60)

    # Login lock.
    login_max_failures: int = Field(POLICY.login.max_failed_attempts, ge=1)

    # Refund review: the platform promises a decision within this many working days.
    refund_review_working_days: int = Field(POLICY.refunds.review_working_days, ge=0)

    # Duplicate-charge detection: same payee and amount within this many minutes.
    duplicate_window_minutes: int = Field(POLICY.disputes.duplicate_window_minutes, ge=1)
    duplicate_lookback_days: int = Field(POLICY.disputes.duplicate_lookback_days, ge=1)

    # Start-up behaviour of `python -m backend`.
    seed_demo_on_start: bool = True

    # Fault injection and clock control under /v1/_test; never enable in production.
    enable_test_endpoints: bool = False

    @validator("desk_token", "wechat_token", "admin_token", pre=True)
    def _empty_is_unset(cls, value: Optional[str]) -> Optional[str]:
        return value or None

    class Config:
        env_prefix = "BACKEND_"
        fields = {"database_url": {"env": ["BACKEND_DATABASE_URL", "DATABASE_URL"]}}

    def production_secrets(self) -> list[Secret]:
        """The callers' service tokens and the HMAC key (docs/deploy.md)."""
        return [
            Secret("BACKEND_API_TOKEN", field="api_token"),
            Secret("BACKEND_SECRET_KEY", field="secret_key"),
            Secret("BACKEND_DESK_TOKEN", field="desk_token", required=False),
            Secret("BACKEND_WECHAT_TOKEN", field="wechat_token", required=False),
            Secret("BACKEND_ADMIN_TOKEN", field="admin_token", required=False),
        ]

    def production_problems(self) -> list[str]:
        """The test switch opens fault injection, the clock and the admin routes (demo reset)."""
        if self.enable_test_endpoints:
            return ["BACKEND_ENABLE_TEST_ENDPOINTS is on"]
        return []

    def startup_warnings(self) -> list[str]:
        """Development secrets still in use, test endpoints switched on."""
        warnings = []
        if self.api_token == DEV_API_TOKEN:
            warnings.append(
                "using the development service token; set BACKEND_API_TOKEN in production"
            )
        if self.secret_key == DEV_SECRET_KEY:
            warnings.append(
                "using the development secret key; set BACKEND_SECRET_KEY in production"
            )
        if self.enable_test_endpoints:
            warnings.append("test endpoints (/v1/_test: fault injection, clock) are enabled")
        return warnings
