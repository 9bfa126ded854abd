"""What every service call needs: the database, the settings and the clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher

from backend.core.clock import Clock
from backend.core.security import password_hasher
from backend.core.settings import Settings
from backend.db import Database


@dataclass
class ServiceContext:
    """The dependencies of the domain services for one backend instance."""

    db: Database
    settings: Settings
    clock: Clock

    def now(self) -> datetime:
        """The current time (UTC, aware) according to the injected clock."""
        return self.clock.now()

    @property
    def hasher(self) -> PasswordHasher:
        """The argon2id hasher configured by the settings."""
        return password_hasher(
            self.settings.argon2_time_cost,
            self.settings.argon2_memory_cost_kib,
            self.settings.argon2_parallelism,
        )
