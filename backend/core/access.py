"""Who may call what: one service token per caller, and one table of route groups.

Each service that calls the backend has its own token, so a leaked or logged token opens only
what its caller needs (docs/security.md, backend tokens):

* the action server (``BACKEND_API_TOKEN``): the customer API it uses for the flows;
* the agent desk (``BACKEND_DESK_TOKEN``): one customer's profile, for the queue;
* the WeChat channel (``BACKEND_WECHAT_TOKEN``): reading who an openid is bound to;
* the sandbox operator (``BACKEND_ADMIN_TOKEN``, unset = nobody): everything else, that is
  binding writes, code checks and password resets outside the secure page, the simulated
  login, the admin routes and the test controls.

A caller whose token is not configured has no access at all: there is no fallback to another
caller's token.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from backend.core.settings import Settings

# HEAD is answered like GET by the router, so it reads no more than GET does.
READ = frozenset({"GET", "HEAD"})
ANY_METHOD: frozenset[str] = frozenset()


class Caller(str, Enum):
    """A service that calls the backend, known by its token."""

    ACTIONS = "actions"
    DESK = "desk"
    WECHAT = "wechat"
    ADMIN = "admin"


@dataclass(frozen=True)
class RouteGroup:
    """Requests whose method and (decoded) path match, and the callers allowed to make them."""

    name: str
    methods: frozenset[str]
    path: re.Pattern[str]
    callers: frozenset[Caller]

    def matches(self, method: str, path: str) -> bool:
        """True when the request belongs to this group."""
        return (not self.methods or method in self.methods) and bool(self.path.fullmatch(path))


def _group(name: str, methods: frozenset[str], path: str, *callers: Caller) -> RouteGroup:
    # DOTALL: a decoded path may hold a newline (%0A), and "." must still match it, or such a
    # path would fall through every group, the operator's included
    return RouteGroup(name, methods, re.compile(path, re.DOTALL), frozenset(callers))


# The first matching group decides. The last one catches every other path, so a route added
# later is the operator's only until it is given a group here.
ROUTE_GROUPS: tuple[RouteGroup, ...] = (
    _group("customer profile", READ, r"/v1/customers/[^/]+",
           Caller.ACTIONS, Caller.DESK, Caller.ADMIN),
    # stands in for eepay's login page; the bot never logs a customer in
    _group("simulated login", ANY_METHOD, r"/v1/customers/[^/]+/login", Caller.ADMIN),
    _group("customer API", ANY_METHOD, r"/v1/customers/[^/]+/.+", Caller.ACTIONS, Caller.ADMIN),
    _group("WeChat binding read", READ, r"/v1/wechat/bindings/[^/]+",
           Caller.WECHAT, Caller.ADMIN),
    _group("operator", ANY_METHOD, r"/.*", Caller.ADMIN),
)  # fmt: skip


def allowed_callers(method: str, path: str) -> frozenset[Caller]:
    """The callers that may make this request (the first matching route group's)."""
    for group in ROUTE_GROUPS:
        if group.matches(method, path):
            return group.callers
    return frozenset()


class CallerTokens:
    """The configured token of each caller; a caller without a token is not in the map."""

    def __init__(self, tokens: dict[Caller, Optional[str]]) -> None:
        configured = [(caller, token) for caller, token in tokens.items() if token]
        values = [token for _, token in configured]
        if len(set(values)) != len(values):
            # one token for two callers would give each the other's rights
            raise ValueError("every caller of the backend needs its own token")
        self._tokens = [(caller, token.encode()) for caller, token in configured]

    @classmethod
    def from_settings(cls, settings: Settings) -> CallerTokens:
        """The tokens the backend's settings configure (BACKEND_API_TOKEN and friends)."""
        return cls(
            {
                Caller.ACTIONS: settings.api_token,
                Caller.DESK: settings.desk_token,
                Caller.WECHAT: settings.wechat_token,
                Caller.ADMIN: settings.admin_token,
            }
        )

    def caller_of(self, supplied: Optional[str]) -> Optional[Caller]:
        """The caller a bearer token belongs to, or None.

        Every configured token is compared in constant time, whichever matches, so timings
        tell neither a token's bytes nor which caller it belongs to.
        """
        if not supplied:
            return None
        candidate = supplied.encode()
        found = None
        for caller, token in self._tokens:
            if hmac.compare_digest(candidate, token):
                found = caller
        return found
