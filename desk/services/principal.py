"""Who is making a request: a plain snapshot of the signed-in agent and their session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from desk.models.enums import Role


@dataclass(frozen=True)
class Principal:
    """The signed-in agent (detached from any database session)."""

    agent_id: int
    username: str
    display_name: str
    role: str
    session_id: int
    csrf_token: Optional[str] = None

    @property
    def is_supervisor(self) -> bool:
        """Supervisors may take over and resolve other agents' tickets."""
        return self.role == Role.SUPERVISOR.value
