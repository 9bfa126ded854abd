"""What every service call of the backend and the desk needs: the database, the settings and
the clock. Each service's ``ServiceContext`` adds only what it has besides (the desk's clients
of Rasa and the backend, its working hours)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from argon2 import PasswordHasher

from service_kit.clock import Clock
from service_kit.db import Database
from service_kit.settings import ServiceSettings

SettingsT = TypeVar("SettingsT", bound=ServiceSettings)


@dataclass
class ServiceCore(Generic[SettingsT]):
    """The dependencies every domain service of one service instance is handed."""

    db: Database
    settings: SettingsT
    clock: Clock

    def now(self) -> datetime:
        """The current time (UTC, aware) according to the injected clock, never the wall
        clock directly: tests and the demo move time by moving the clock."""
        return self.clock.now()

    @property
    def hasher(self) -> PasswordHasher:
        """The argon2id hasher configured by the settings."""
        return self.settings.password_hasher()
