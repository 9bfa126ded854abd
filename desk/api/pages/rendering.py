"""How pages are rendered: the Jinja environment, its filters, and where templates and assets are.

Jinja autoescapes everywhere (``service_kit.html_pages``); the strict Content-Security-Policy
(only /static scripts) is set by core/middleware.py.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Optional
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from desk import __version__
from desk.api.pages.labels import (
    CHANNELS,
    ERRORS,
    HISTORY,
    INTENTS,
    PRIORITIES,
    REASONS,
    RESOLUTIONS,
    ROLES,
    SENDERS,
    STATUSES,
    label,
)
from desk.core.settings import Settings
from desk.services.principal import Principal
from service_kit.html_pages import template_environment

DESK_DIR = Path(__file__).resolve().parents[2]
TEMPLATES_DIR = DESK_DIR / "templates"
STATIC_DIR = DESK_DIR / "static"
# Chart.js as npm installs it (desk/package.json, `npm ci --prefix desk`), served by the desk.
CHART_JS = DESK_DIR / "node_modules" / "chart.js" / "dist" / "chart.umd.min.js"


def percent(value: Optional[float]) -> str:
    """0.756 -> 75.6 %; nothing to divide -> —."""
    return "—" if value is None else f"{value * 100:.1f} %"


def duration(seconds: Optional[float]) -> str:
    """A duration in Chinese units: 45 秒, 3 分 20 秒, 2 小时 5 分; none -> —."""
    if seconds is None:
        return "—"
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} 小时 {minutes} 分"
    if minutes:
        return f"{minutes} 分 {secs} 秒"
    return f"{secs} 秒"


def score(value: Optional[float]) -> str:
    """A mean rating with two decimals; none -> —."""
    return "—" if value is None else f"{value:.2f}"


class Pages:
    """The Jinja environment with the desk's filters; one per app."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.zone = ZoneInfo(settings.timezone)
        self.env = template_environment(TEMPLATES_DIR)
        self.env.filters["localtime"] = self.localtime
        self.env.filters["pct"] = percent
        self.env.filters["duration"] = duration
        self.env.filters["score"] = score
        self.env.globals.update(
            REASONS=REASONS,
            PRIORITIES=PRIORITIES,
            CHANNELS=CHANNELS,
            STATUSES=STATUSES,
            RESOLUTIONS=RESOLUTIONS,
            SENDERS=SENDERS,
            ROLES=ROLES,
            INTENTS=INTENTS,
            HISTORY=HISTORY,
            ERRORS=ERRORS,
            label=label,
            version=__version__,
            chart_js=f"/static/vendor/{CHART_JS.name}" if CHART_JS.exists() else None,
        )

    def localtime(self, moment: Optional[datetime], fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
        """A time in the desk's time zone."""
        if moment is None:
            return ""
        return moment.astimezone(self.zone).strftime(fmt)

    def render(
        self,
        template: str,
        *,
        status_code: int = 200,
        principal: Optional[Principal] = None,
        **values: Any,
    ) -> HTMLResponse:
        """Render a page for the signed-in principal (or the login/error pages)."""
        html = self.env.get_template(template).render(
            principal=principal,
            csrf_token=principal.csrf_token if principal else "",
            poll_ms=int(self.settings.poll_interval_seconds * 1000),
            **values,
        )
        return HTMLResponse(html, status_code=status_code)

    def error_page(self, request: Request, status: int, code: str, message: str) -> Response:
        """The error page (used by the error handlers for page routes)."""
        return self.render(
            "error.html",
            status_code=status,
            status=status,
            code=code,
            message=ERRORS.get(code, "请求没有成功。"),
            message_en=message,
        )


def get_pages(request: Request) -> Pages:
    """The app's page renderer."""
    return request.app.state.pages
