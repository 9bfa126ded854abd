"""The base of every closed value set the services store: statuses, kinds, roles.

Tables keep these values as plain strings guarded by a CHECK constraint (``models.one_of``), and
API shapes expose them as JSON strings, so a member must behave as its string value everywhere.
"""

from __future__ import annotations

from enum import Enum


class StrEnum(str, Enum):
    """A string enum whose members compare and serialise as their values."""

    def __str__(self) -> str:
        return str(self.value)
