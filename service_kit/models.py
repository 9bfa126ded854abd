"""Naming conventions and column types shared by every table of the backend and the desk.

Each service builds its own ``MetaData`` (``new_metadata``) and declarative base from it, so
their tables and migrations stay apart.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional, TypeVar

from sqlalchemy import CheckConstraint, DateTime, MetaData, inspect
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from service_kit.enums import StrEnum

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    """A service's own metadata with the shared constraint naming conventions."""
    return MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python.

    PostgreSQL stores it as ``timestamptz``; SQLite has no time zones, so the value is stored as
    naive UTC and given its zone back on load. Naive datetimes are refused on the way in.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: Dialect) -> Any:
        """Normalise to UTC; strip the zone for SQLite."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Optional[datetime], dialect: Dialect) -> Any:
        """Return an aware UTC datetime whatever the backend stored."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def one_of(column: str, enum: type[StrEnum]) -> CheckConstraint:
    """A CHECK constraint, named after the column, limiting it to the values of ``enum``."""
    quoted = ", ".join(f"'{member.value}'" for member in enum)
    return CheckConstraint(f"{column} IN ({quoted})", name=column)


Row = TypeVar("Row")


def new_row(table: type[Row], request: Any, **values: Any) -> Row:
    """A new row of ``table`` (a mapped class) for a validated ``request`` (a pydantic model).

    The columns named in ``values`` take those values; every other column the request has a
    field of takes that field as it is. The caller then names only what it computes or
    normalises, and the fields copied verbatim from the request are plain to see.
    """
    columns = inspect(table).column_attrs.keys()
    copied = {
        name: getattr(request, name)
        for name in request.__fields__
        if name in columns and name not in values
    }
    return table(**copied, **values)
