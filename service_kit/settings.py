"""The base of every service's one typed settings object, read from the environment.

A service subclasses :class:`ServiceSettings`, names its environment prefix and its default
SQLite file, and adds its own fields; what every service has (where it listens, its database,
its log level, the request-size limit, argon2 costs, start-up migrations) is declared once here.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Optional

from argon2 import PasswordHasher
from pydantic import BaseSettings, Field, validator

from service_kit import production
from service_kit.passwords import password_hasher


class ServiceSettings(BaseSettings):
    """What every service can be told, validated the same way everywhere.

    A subclass sets ``default_sqlite_path`` and, in its ``Config``, ``env_prefix`` and the
    environment names of ``database_url`` (``fields = {"database_url": {"env": [...]}}``: its
    own name first, then the shared ``DATABASE_URL``).
    """

    default_sqlite_path: ClassVar[Path]

    host: str = "127.0.0.1"
    port: int  # each service declares its own default and range
    database_url: Optional[str] = None
    log_level: str = "INFO"
    # EEPAY_ENV: "production" refuses development secrets and hides what only development needs.
    environment: str = Field("development", env=production.ENV_VARIABLE)

    # Request hygiene: larger bodies are refused before they are parsed.
    max_body_bytes: int = Field(64 * 1024, ge=1024)

    # argon2id parameters (RFC 9106 low-memory profile by default).
    argon2_time_cost: int = Field(3, ge=1)
    argon2_memory_cost_kib: int = Field(65536, ge=8)
    argon2_parallelism: int = Field(4, ge=1)

    # Start-up behaviour of `python -m <service>`.
    migrate_on_start: bool = True

    class Config:
        case_sensitive = False

    @validator("database_url", always=True)
    def _default_database_url(cls, value: Optional[str]) -> str:
        if value:
            return value
        return f"sqlite:///{cls.default_sqlite_path}"

    @property
    def is_sqlite(self) -> bool:
        """True when the configured database is SQLite."""
        return str(self.database_url).startswith("sqlite")

    @property
    def is_production(self) -> bool:
        """True when ``EEPAY_ENV`` says production."""
        return production.is_production({production.ENV_VARIABLE: self.environment})

    def production_secrets(self) -> list[production.Secret]:
        """The secrets this service uses, each with the field that holds it. Each service
        lists its own."""
        return []

    def production_problems(self) -> list[str]:
        """Settings other than secrets that production refuses (a test switch left on...).
        Each service lists its own."""
        return []

    def refuse_development_secrets(self) -> None:
        """In production, exit (status 1, one log line naming each variable) while a secret is
        missing, has its development value or is too weak, or a production problem remains."""
        production.refuse_development_secrets(
            self.__config__.env_prefix.rstrip("_").lower() or type(self).__name__,
            self.production_secrets(),
            self,
            also=self.production_problems(),
            production=self.is_production,
        )

    def password_hasher(self) -> PasswordHasher:
        """The argon2id hasher these settings configure."""
        return password_hasher(
            self.argon2_time_cost, self.argon2_memory_cost_kib, self.argon2_parallelism
        )

    def startup_warnings(self) -> list[str]:
        """What an operator should hear at start-up: development defaults left in place,
        test-only features switched on. Each service lists its own."""
        return []
