"""What every service call needs: database, settings and clock (``service_kit``'s service
core), and the desk's clients of other services and its working hours."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import httpx

from desk.clients.backend import CustomerDirectory
from desk.clients.events_source import EventsSource
from desk.clients.rasa import RasaClient
from desk.core.hours import WorkingHours
from desk.core.settings import Settings
from desk.db import Database
from service_kit.clock import Clock
from service_kit.context import ServiceCore


@dataclass
class ServiceContext(ServiceCore[Settings]):
    """The dependencies of the domain services for one desk instance."""

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

    def close(self) -> None:
        """Release connections to the database and the other services."""
        self.rasa.close()
        self.directory.close()
        self.events.dispose()
        self.db.dispose()
