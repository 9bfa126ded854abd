"""Declarative base of every desk table, on the naming conventions and column types of
``service_kit.models``."""

from __future__ import annotations

from sqlalchemy.orm import declarative_base

from service_kit.models import NAMING_CONVENTION, UTCDateTime, new_metadata, one_of

__all__ = ["NAMING_CONVENTION", "Base", "UTCDateTime", "metadata", "one_of"]

metadata = new_metadata()
Base = declarative_base(metadata=metadata)
