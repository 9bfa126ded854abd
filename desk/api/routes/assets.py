"""Browser libraries the desk serves itself from its npm install (no CDN)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response

from desk.api.pages.rendering import CHART_JS
from desk.core.errors import NotFoundError

router = APIRouter(include_in_schema=False)


@router.get(f"/static/vendor/{CHART_JS.name}")
def chart_js() -> Response:
    """Chart.js (desk/package.json, ``npm ci --prefix desk``), cached for a day."""
    if not CHART_JS.exists():
        raise NotFoundError("Chart.js is not installed (npm ci --prefix desk).")
    return FileResponse(
        CHART_JS,
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=86400"},
    )
