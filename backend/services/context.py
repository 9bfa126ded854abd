"""What every service call needs: the database, the settings and the clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher

from backend.core.settings import Settings
from backend.db import Database
from service_kit.clock import Clock


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
        return self.settings.password_hasher()
