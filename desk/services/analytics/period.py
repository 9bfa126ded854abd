"""The period the supervisors ask about: whole calendar days in the desk's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Optional
from zoneinfo import ZoneInfo

from desk.core.errors import InvalidRequestError
from desk.services.context import ServiceContext

DEFAULT_DAYS = 30
MAX_DAYS = 732  # two years (plus a leap day) in one request


@dataclass(frozen=True)
class Period:
    """Calendar days ``since`` .. ``until`` (both included) in ``zone``."""

    since: date
    until: date
    zone: str

    @property
    def days(self) -> list[date]:
        """Every day of the period in order."""
        return [self.since + timedelta(days=n) for n in range((self.until - self.since).days + 1)]

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as UTC instants: start included, end excluded."""
        zone = ZoneInfo(self.zone)
        start = datetime.combine(self.since, time(0), tzinfo=zone)
        end = datetime.combine(self.until + timedelta(days=1), time(0), tzinfo=zone)
        return start.astimezone(timezone.utc), end.astimezone(timezone.utc)

    def local_day(self, moment: datetime) -> date:
        """The calendar day of an instant in the period's zone."""
        return moment.astimezone(ZoneInfo(self.zone)).date()


def parse_day(value: Optional[str], zone: str, name: str) -> Optional[date]:
    """``YYYY-MM-DD``, or an ISO 8601 date-time taken as its calendar day in ``zone``."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as error:
        raise InvalidRequestError(
            f"{name} must be an ISO date such as 2026-11-01.",
            details={"errors": [{"loc": ["query", name], "msg": "not an ISO date"}]},
        ) from error
    if moment.tzinfo is not None:
        return moment.astimezone(ZoneInfo(zone)).date()
    return moment.date()


def period_for(
    ctx: ServiceContext, since: Optional[date] = None, until: Optional[date] = None
) -> Period:
    """The requested period; by default the last 30 days up to today (desk time zone)."""
    zone = ctx.settings.timezone
    today = ctx.now().astimezone(ZoneInfo(zone)).date()
    until = until or (max(today, since) if since else today)
    since = since or until - timedelta(days=DEFAULT_DAYS - 1)
    if since > until:
        raise InvalidRequestError(
            "since must not be after until.", code="INVALID_PERIOD", details={"since": str(since)}
        )
    if (until - since).days + 1 > MAX_DAYS:
        raise InvalidRequestError(
            f"The period may span at most {MAX_DAYS} days.", code="INVALID_PERIOD"
        )
    return Period(since, until, zone)
