"""The desk's own ASGI middleware: the security headers of a web app with sign-in pages.

The body limit and the access log are the shared ones (``service_kit.middleware``).
"""

from __future__ import annotations

from starlette.datastructures import Headers

from service_kit.middleware import ASGIApp, Message, Receive, Scope, Send

# Pages load only the desk's own script and style; nothing may frame them.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_COMMON_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class SecurityHeadersMiddleware:
    """Add no-sniff, no-framing and referrer headers everywhere; CSP on pages; no caching of
    anything but the static assets (pages and API answers carry customer data)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Decorate the response start message."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                extra = [pair for pair in _COMMON_HEADERS if pair[0] not in names]
                content_type = Headers(raw=headers).get("content-type", "")
                if content_type.startswith("text/html"):
                    extra.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
                if not static and b"cache-control" not in names:
                    extra.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers + extra}
            await send(message)

        await self.app(scope, receive, send_wrapper)
