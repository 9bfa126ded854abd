"""The demo server's FastAPI application: the demo page (outside production), the widget's
assets, a health check."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Optional

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from web import demo
from web.settings import SOCKET_IO_DIST, STATIC_DIR, TEMPLATES_DIR, Settings

WIDGET_PREFIX = "/widget"
SOCKET_IO_BUNDLE = "socket.io.esm.min.js"


class MissingAssets(RuntimeError):
    """socket.io-client is not installed under web/node_modules."""


def content_security_policy(settings: Settings) -> str:
    """The demo page's CSP: our own scripts and styles only, sockets only to Rasa."""
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: https:",
            "font-src 'self'",
            f"connect-src 'self' {settings.rasa_origin} {settings.rasa_websocket_origin}",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def create_app(settings: Optional[Settings] = None) -> FastAPI:
    """Build the demo server; fails fast when ``npm ci --prefix web`` has not been run."""
    settings = settings or Settings()
    if not (SOCKET_IO_DIST / SOCKET_IO_BUNDLE).is_file():
        raise MissingAssets(
            f"{SOCKET_IO_DIST / SOCKET_IO_BUNDLE} is missing: run `npm ci --prefix web`"
        )
    app = FastAPI(title="eepay chat widget demo", docs_url=None, redoc_url=None, openapi_url=None)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if request.url.path.startswith(WIDGET_PREFIX + "/"):
            # Any eepay page (another origin) may load the widget's ES modules.
            response.headers["Access-Control-Allow-Origin"] = "*"
            response.headers.setdefault("Cache-Control", "no-cache")
        return response

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    # Order matters: the vendor mount must win over the widget mount.
    app.mount(f"{WIDGET_PREFIX}/vendor", StaticFiles(directory=str(SOCKET_IO_DIST)), name="vendor")
    app.mount(WIDGET_PREFIX, StaticFiles(directory=str(STATIC_DIR / "widget")), name="widget")
    if not settings.is_production:
        add_demo_page(app, settings)
    return app


def add_demo_page(app: FastAPI, settings: Settings) -> None:
    """The demo page at ``/`` and its assets under ``/demo``. The page mints a token for
    whichever demo customer the visitor picks, so whoever reaches it can act as any of them:
    development only (production does not call this)."""
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    csp = content_security_policy(settings)

    @app.get("/", include_in_schema=False)
    async def demo_page(
        request: Request, customer: str = demo.DEFAULT_CUSTOMER, lang: str = "zh"
    ) -> Response:
        if not demo.is_known_identity(customer):
            return RedirectResponse("/", status_code=303)
        language = demo.parse_language(lang)
        response = templates.TemplateResponse(
            request,
            "demo.html",
            {
                "widget": demo.widget_config(settings, customer, language),
                "customers": demo.DEMO_CUSTOMERS,
                "current": demo.find_customer(customer),
                "selected": customer,
                "anonymous": demo.ANONYMOUS,
                "language": language,
            },
        )
        response.headers["Content-Security-Policy"] = csp
        # The page carries a customer token: never cache it anywhere.
        response.headers["Cache-Control"] = "no-store"
        return response

    app.mount("/demo", StaticFiles(directory=str(STATIC_DIR / "demo")), name="demo")
