"""Injectable clocks: every "now" in a service comes from one of these, so tests and the
backend's test endpoints can move time without sleeping."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Optional


class Clock:
    """The wall clock in UTC, with an adjustable offset for demos and test endpoints."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """Return the current time, timezone-aware, in UTC."""
        with self._lock:
            offset = self._offset
        return datetime.now(timezone.utc) + offset

    def advance(self, seconds: float) -> None:
        """Move this clock forward (or back, with a negative value)."""
        with self._lock:
            self._offset += timedelta(seconds=seconds)

    def reset(self) -> None:
        """Drop any offset and follow the wall clock (or the start time) again."""
        with self._lock:
            self._offset = timedelta(0)

    @property
    def offset_seconds(self) -> float:
        """The current offset from the wall clock (or the start time), in seconds."""
        with self._lock:
            return self._offset.total_seconds()


class ManualClock(Clock):
    """A clock that only moves when told to; for tests."""

    def __init__(self, start: datetime) -> None:
        super().__init__()
        self._start = _aware_utc(start)

    def now(self) -> datetime:
        """Return the start time plus everything the clock was advanced by."""
        with self._lock:
            return self._start + self._offset

    def set(self, moment: datetime) -> None:
        """Jump to ``moment`` (timezone-aware)."""
        moment = _aware_utc(moment)
        with self._lock:
            self._start = moment
            self._offset = timedelta(0)


def _aware_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("ManualClock needs a timezone-aware time")
    return moment.astimezone(timezone.utc)


def as_utc(moment: Optional[datetime]) -> Optional[datetime]:
    """An aware UTC datetime; naive input is taken to be UTC already."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)
