"""The action server as the Procfiles start it: rasa-sdk's server, callable only by the Rasa server.

The actions read and change customers' accounts with the backend's service token, and they
trust the tracker they are sent, so whoever can call ``POST /webhook`` can act as any
customer. rasa-sdk 3.6 listens on every interface and asks no credentials; this launcher runs
the same server (every option of ``rasa run actions``) with two controls
(docs/security.md, internal services):

* it listens on ``ACTION_SERVER_HOST``, by default 127.0.0.1 (rasa-sdk's own ``SANIC_HOST``
  is honoured when ``ACTION_SERVER_HOST`` is unset);
* every request except ``GET /health`` (readiness checks) must carry
  ``Authorization: Bearer <ACTION_SERVER_TOKEN>``, the header the Rasa server sends
  (``action_endpoint.headers`` in endpoints.yml); others get 401.

It refuses to start without ``ACTION_SERVER_TOKEN``, and in production (``EEPAY_ENV=production``)
while any secret it holds is missing, has its development value or is too weak
(``actions.settings.refuse_development_secrets``).

Start: ``.venv/bin/python -m actions.server --actions actions --port 5055``.
"""

from __future__ import annotations

import hmac
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Optional

import pluggy
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.settings import refuse_development_secrets

logger = logging.getLogger(__name__)

TOKEN_VARIABLE = "ACTION_SERVER_TOKEN"
HOST_VARIABLE = "ACTION_SERVER_HOST"
DEFAULT_HOST = "127.0.0.1"
#: what answers without the token: the readiness check, which reveals nothing
OPEN_ROUTES = frozenset({("GET", "/health"), ("HEAD", "/health")})

hookimpl = pluggy.HookimplMarker("rasa_sdk")


class ActionServerConfigError(RuntimeError):
    """The action server's security settings are missing or unfit for this environment."""


def required_token(environ: Mapping[str, str] = os.environ) -> str:
    """The shared secret callers must present; raises ``ActionServerConfigError`` when it is
    unset (production's rules for its value: ``actions.settings.refuse_development_secrets``)."""
    token = (environ.get(TOKEN_VARIABLE) or "").strip()
    if not token:
        raise ActionServerConfigError(
            f"{TOKEN_VARIABLE} is not set: the action server would accept calls from anyone "
            "(set it for the Rasa server too; .env.example has a development value)"
        )
    return token


def listen_host(environ: Mapping[str, str] = os.environ) -> str:
    """The interface to listen on: only this machine unless configured otherwise."""
    return environ.get(HOST_VARIABLE) or environ.get("SANIC_HOST") or DEFAULT_HOST


def presents_token(authorization: Optional[str], token: str) -> bool:
    """Whether an ``Authorization`` header carries ``token`` as a bearer token (compared in
    constant time, so response times do not leak how much of a guess was right)."""
    scheme, _, presented = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        return False
    return hmac.compare_digest(presented.strip().encode(), token.encode())


def require_token(app: Sanic, token: str) -> None:
    """Answer 401 to every request of ``app`` but the open routes that lacks the token."""

    @app.middleware("request")
    async def check_token(request: Request) -> Optional[HTTPResponse]:
        if (request.method, request.path) in OPEN_ROUTES:
            return None
        if presents_token(request.headers.get("Authorization"), token):
            return None
        logger.warning(
            "refused an unauthenticated call to %s %s from %s",
            request.method,
            request.path,
            request.ip,
        )
        return response.json(
            {"error": "this action server needs the Rasa server's token"},
            status=401,
            headers={"WWW-Authenticate": "Bearer"},
        )


class TokenCheckPlugin:
    """rasa-sdk's extension point: it passes its Sanic app to every registered plugin before
    the server starts (and before its worker processes fork)."""

    def __init__(self, token: str) -> None:
        self.token = token

    @hookimpl
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        """Guards the app's routes with the token."""
        require_token(app, self.token)


def main(argv: Optional[Sequence[str]] = None) -> None:
    """``rasa run actions`` with the host and token controls; ``argv`` as its options."""
    from rasa_sdk.__main__ import main_from_args
    from rasa_sdk.endpoint import create_argument_parser
    from rasa_sdk.plugin import plugin_manager

    from actions.clients.desk import DeskOutboxPlugin

    refuse_development_secrets()
    try:
        token = required_token()
    except ActionServerConfigError as error:
        sys.exit(f"action server not started: {error}")
    # rasa-sdk reads the interface from SANIC_HOST (default: every interface)
    os.environ["SANIC_HOST"] = listen_host()
    plugin_manager().register(TokenCheckPlugin(token))
    plugin_manager().register(DeskOutboxPlugin())  # handoffs parked by earlier runs
    main_from_args(create_argument_parser().parse_args(argv))


if __name__ == "__main__":
    main()
