"""What every service call needs: database, settings, clock and the clients of other services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional

import httpx
from argon2 import PasswordHasher

from desk.core.clock import Clock
from desk.core.hours import WorkingHours
from desk.core.security import password_hasher
from desk.core.settings import Settings
from desk.db import Database
from desk.services.directory import CustomerDirectory
from desk.services.events_source import EventsSource
from desk.services.rasa import RasaClient


@dataclass
class ServiceContext:
    """The dependencies of the domain services for one desk instance."""

    db: Database
    settings: Settings
    clock: Clock
    rasa: RasaClient
    directory: CustomerDirectory
    events: EventsSource
    hours: WorkingHours = field(init=False)

    def __post_init__(self) -> None:
        self.hours = WorkingHours.from_settings(
            self.settings.working_hours, self.settings.working_days, self.settings.timezone
        )

    @classmethod
    def create(
        cls,
        settings: Settings,
        *,
        db: Optional[Database] = None,
        clock: Optional[Clock] = None,
        rasa_transport: Optional[httpx.BaseTransport] = None,
        backend_transport: Optional[httpx.BaseTransport] = None,
    ) -> ServiceContext:
        """Build a context from settings (transports let tests stand in for Rasa/backend)."""
        return cls(
            db=db or Database(str(settings.database_url)),
            settings=settings,
            clock=clock or Clock(),
            rasa=RasaClient(
                settings.rasa_url,
                settings.rasa_token,
                timeout_seconds=settings.rasa_timeout_seconds,
                transport=rasa_transport,
            ),
            directory=CustomerDirectory(
                settings.backend_url,
                settings.backend_api_token,
                timeout_seconds=settings.backend_timeout_seconds,
                transport=backend_transport,
            ),
            events=EventsSource(str(settings.events_database_url)),
        )

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

    def close(self) -> None:
        """Release connections to the database and the other services."""
        self.rasa.close()
        self.directory.close()
        self.events.dispose()
        self.db.dispose()
