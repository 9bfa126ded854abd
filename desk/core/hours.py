"""Working hours of the human agents: are we open now, and when do we open next.

Hours are local wall-clock ranges in one time zone (Asia/Shanghai by default: UTC+8, no
daylight saving), on chosen ISO weekdays. A range whose end is not after its start runs past
midnight ("21:00-09:00"); "00:00-24:00" means all day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Optional
from zoneinfo import ZoneInfo

_RANGE_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class Range:
    """Opening at ``start`` minutes after local midnight for ``length`` minutes."""

    start: int
    length: int


def parse_ranges(text: str) -> list[Range]:
    """Parse "09:00-21:00" or "09:00-12:00,13:30-21:00" into ranges (ValueError if malformed)."""
    ranges = []
    for part in text.split(","):
        match = _RANGE_RE.match(part)
        if not match:
            raise ValueError(f"working hours must look like 09:00-21:00, got {part.strip()!r}")
        h1, m1, h2, m2 = (int(group) for group in match.groups())
        if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2 != 0):
            raise ValueError(f"not a time of day in {part.strip()!r}")
        start, end = h1 * 60 + m1, h2 * 60 + m2
        length = end - start if end > start else end + 24 * 60 - start
        ranges.append(Range(start, min(length, 24 * 60)))
    return ranges


def parse_days(text: str) -> frozenset[int]:
    """Parse ISO weekdays: "1-7", "1-5", "1,3,5" or "1-5,7" (ValueError if malformed)."""
    days: set[int] = set()
    for part in text.split(","):
        bounds = [piece.strip() for piece in part.split("-")]
        if not all(piece.isdigit() for piece in bounds) or len(bounds) > 2:
            raise ValueError(f"working days must look like 1-5 or 1,3,5, got {part.strip()!r}")
        low, high = int(bounds[0]), int(bounds[-1])
        if not 1 <= low <= high <= 7:
            raise ValueError(f"weekdays run from 1 (Monday) to 7 (Sunday), got {part.strip()!r}")
        days.update(range(low, high + 1))
    return frozenset(days)


@dataclass(frozen=True)
class WorkingHours:
    """The agents' opening hours."""

    ranges: tuple[Range, ...]
    days: frozenset[int]
    zone: ZoneInfo

    @classmethod
    def from_settings(cls, hours: str, days: str, zone: str) -> WorkingHours:
        """Build from the DESK_WORKING_HOURS / DESK_WORKING_DAYS / DESK_TIMEZONE strings."""
        return cls(tuple(parse_ranges(hours)), parse_days(days), ZoneInfo(zone))

    def _openings(self, local_day: datetime) -> list[tuple[datetime, datetime]]:
        """The opening intervals that start on ``local_day`` (a local midnight)."""
        if local_day.isoweekday() not in self.days:
            return []
        intervals = []
        for opening in self.ranges:
            start = local_day + timedelta(minutes=opening.start)  # wall-clock arithmetic
            intervals.append((start, start + timedelta(minutes=opening.length)))
        return intervals

    def _intervals_around(self, moment: datetime) -> list[tuple[datetime, datetime]]:
        local = moment.astimezone(self.zone)
        midnight = datetime.combine(local.date(), time(0), tzinfo=self.zone)
        intervals = []
        for offset in range(-1, 9):
            intervals.extend(self._openings(midnight + timedelta(days=offset)))
        return sorted(intervals)

    def is_open(self, moment: datetime) -> bool:
        """True when ``moment`` (aware) falls inside the working hours."""
        return any(start <= moment < end for start, end in self._intervals_around(moment))

    def next_open(self, moment: datetime) -> Optional[datetime]:
        """The next opening after ``moment`` in local time, or None if there is none in a week."""
        for start, _end in self._intervals_around(moment):
            if start > moment:
                return start
        return None
