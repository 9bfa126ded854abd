"""What every service call needs: the database, the settings and the clock (``service_kit``'s
service core, with the backend's settings)."""

from __future__ import annotations

from dataclasses import dataclass

from backend.core.settings import Settings
from service_kit.context import ServiceCore


@dataclass
class ServiceContext(ServiceCore[Settings]):
    """The dependencies of the domain services for one backend instance."""
