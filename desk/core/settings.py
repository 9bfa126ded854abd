"""The desk's one typed settings object, read from the environment (the fields every
service has are ``service_kit.settings.ServiceSettings``)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Optional

from pydantic import Field, validator

from service_kit import production
from service_kit.policy import POLICY
from service_kit.settings import ServiceSettings

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE_PATH = REPO_ROOT / "var" / "desk.db"
DEFAULT_EVENTS_SQLITE_PATH = REPO_ROOT / "var" / "events.db"
DEV_SERVICE_TOKEN = "dev-desk-service-token"
DEV_ADMIN_USER = "admin"
DEV_ADMIN_PASSWORD = "dev-desk-admin-2026"
MIN_PASSWORD_LENGTH = 10


class Settings(ServiceSettings):
    """Every knob of the agent desk.

    Environment variables carry the `DESK_` prefix (DESK_PORT, DESK_SERVICE_TOKEN, ...); the
    database URL falls back to `DATABASE_URL`. The Rasa and backend settings are shared with the
    other services under their own names (RASA_URL, RASA_TOKEN, BACKEND_URL, BACKEND_DESK_TOKEN).
    """

    default_sqlite_path: ClassVar[Path] = DEFAULT_SQLITE_PATH

    port: int = Field(8200, ge=1, le=65535)

    # The action server's token for /api/internal/handoffs.
    service_token: str = Field(DEV_SERVICE_TOKEN, min_length=16)
    # The supervisor created on start when no account of this name exists.
    admin_user: str = Field(DEV_ADMIN_USER, min_length=1, max_length=64)
    admin_password: str = Field(DEV_ADMIN_PASSWORD, min_length=MIN_PASSWORD_LENGTH)

    # Rasa's HTTP API (transcripts, agent replies, return to bot). The token never leaves the
    # server side.
    rasa_url: str = Field("http://127.0.0.1:5005", env="RASA_URL")
    rasa_token: str = Field("dev-rasa-token", env="RASA_TOKEN")
    rasa_timeout_seconds: float = Field(15.0, gt=0, le=120)

    # The payment backend, for the customer's masked phone on the queue.
    backend_url: str = Field("http://127.0.0.1:8100", env="BACKEND_URL")
    # The desk's own backend token (read-only profile; backend/core/access.py). Unset = no
    # profiles on the queue: never the action server's BACKEND_API_TOKEN in its place.
    backend_api_token: str = Field("", env="BACKEND_DESK_TOKEN")
    backend_timeout_seconds: float = Field(3.0, gt=0, le=30)
    customer_cache_ttl_seconds: int = Field(3600, ge=0)

    # Working hours of the human agents: ranges "HH:MM-HH:MM[,HH:MM-HH:MM]", ISO weekdays
    # ("1-7" every day, "1-5" Monday to Friday), in this time zone.
    # By default eepay's published hours (service_kit/policy.yml), which the bot states too.
    working_hours: str = POLICY.contact.agent_hours
    working_days: str = POLICY.contact.agent_days
    timezone: str = "Asia/Shanghai"
    # Estimated wait: average handling time of recent tickets, this default until there are
    # enough of them.
    default_handling_minutes: float = Field(5.0, gt=0, le=240)

    # Sessions. A browser session ends after session_idle_minutes without an agent action
    # (the pages' polling does not count, see desk/services/sessions.py) and at the latest
    # session_ttl_minutes after sign-in.
    session_ttl_minutes: int = Field(12 * 60, ge=5)
    session_idle_minutes: int = Field(30, ge=5)
    api_token_ttl_minutes: int = Field(12 * 60, ge=5)
    cookie_secure: bool = True
    # Sign-in limits (desk/services/login_throttle.py): wrong passwords for one account from
    # one client address before that address is locked out of it; from all addresses before
    # the whole account is; attempts per minute from one address (a success gives its attempt
    # back); password hashes computed at once by one process, and how long an attempt waits
    # for a free one before it is answered 429.
    login_max_failures: int = Field(5, ge=1)
    login_lockout_seconds: int = Field(300, ge=1)
    login_account_max_failures: int = Field(100, ge=1)
    login_attempts_per_minute: int = Field(20, ge=1)
    login_max_concurrent_hashes: int = Field(4, ge=1, le=64)
    login_hash_wait_seconds: float = Field(2.0, ge=0, le=30)
    # Reverse proxies (comma-separated addresses) whose X-Forwarded-For is believed: the
    # client address of the sign-in limits is then the last address they did not add. Empty:
    # the address of the TCP peer, the only one that cannot be forged.
    trusted_proxies: str = ""

    # Live updates and background work.
    poll_interval_seconds: float = Field(3.0, ge=1, le=60)
    sync_interval_seconds: float = Field(5.0, ge=0)
    transcript_cache_seconds: float = Field(1.5, ge=0, le=60)
    # Days the desk keeps its copies of transcripts (the worker deletes older turns; 0 keeps
    # everything). Shared with the Rasa side's retention (addons/stores/retention.py).
    retention_days: int = Field(180, ge=0, env="RETENTION_DAYS")

    # Analytics: the events database Rasa's event broker writes (read-only here), how many
    # events one ingestion step copies, and how many a page or API request may catch up on
    # before it answers (the background thread does the rest).
    events_database_url: Optional[str] = Field(
        None, env=["DESK_EVENTS_DATABASE_URL", "EVENTS_DATABASE_URL"]
    )
    analytics_batch_size: int = Field(2000, ge=10, le=50_000)
    analytics_request_catch_up: int = Field(20_000, ge=0)

    # Prometheus /metrics: unset, only clients on the loopback interface may read it; set,
    # every scrape must send "Authorization: Bearer <token>".
    metrics_token: Optional[str] = Field(None, min_length=16)

    # Start-up behaviour of `python -m desk`.
    create_admin_on_start: bool = True

    class Config:
        env_prefix = "DESK_"
        fields = {"database_url": {"env": ["DESK_DATABASE_URL", "DATABASE_URL"]}}

    @validator("events_database_url", always=True)
    def _default_events_url(cls, value: Optional[str]) -> str:
        if value:
            return value
        return f"sqlite:///{DEFAULT_EVENTS_SQLITE_PATH}"

    @validator("metrics_token", pre=True)
    def _empty_token_is_none(cls, value: Optional[str]) -> Optional[str]:
        return value or None

    @validator("rasa_url", "backend_url")
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @validator("working_hours")
    def _valid_hours(cls, value: str) -> str:
        from desk.core.hours import parse_ranges

        parse_ranges(value)
        return value

    @validator("working_days")
    def _valid_days(cls, value: str) -> str:
        from desk.core.hours import parse_days

        parse_days(value)
        return value

    @validator("timezone")
    def _valid_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    def production_secrets(self) -> list[production.Secret]:
        """The tokens the desk checks and sends; the supervisor's first password when the
        desk creates that account (never the published one)."""
        secrets = [
            production.Secret("DESK_SERVICE_TOKEN", field="service_token"),
            production.Secret("RASA_TOKEN", field="rasa_token"),
            production.Secret("BACKEND_DESK_TOKEN", field="backend_api_token"),
            production.Secret("DESK_METRICS_TOKEN", field="metrics_token", required=False),
        ]
        if self.create_admin_on_start:
            secrets.append(
                production.Secret(
                    "DESK_ADMIN_PASSWORD", production.password, field="admin_password"
                )
            )
        return secrets

    def startup_warnings(self) -> list[str]:
        """Development secrets still in use, cookies that would travel without HTTPS."""
        warnings = []
        if self.service_token == DEV_SERVICE_TOKEN:
            warnings.append(
                "using the development service token; set DESK_SERVICE_TOKEN in production"
            )
        if not self.cookie_secure:
            warnings.append("session cookies are not Secure (DESK_COOKIE_SECURE=false): HTTPS only")
        if self.create_admin_on_start and self.admin_password == DEV_ADMIN_PASSWORD:
            warnings.append(
                "DESK_ADMIN_PASSWORD is the development default; set it before first start "
                "in production (it is only used to create the account)"
            )
        return warnings
