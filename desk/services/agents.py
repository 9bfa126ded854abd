"""Desk accounts: creation, passwords (argon2id), sign-in with a lockout, the start-up admin."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import func, select

from desk.core.errors import (
    AuthRequiredError,
    ConflictError,
    InvalidRequestError,
    NotFoundError,
)
from desk.core.settings import MIN_PASSWORD_LENGTH
from desk.db import lock_one
from desk.models import Agent
from desk.models.enums import Role
from desk.services import login_throttle
from desk.services.context import ServiceContext
from service_kit.passwords import MAX_PASSWORD_LENGTH, verify_password_hash
from service_kit.schemas import from_attributes

logger = logging.getLogger("desk.agents")

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


@dataclass(frozen=True)
class AgentInfo:
    """An account as the CLI and the pages show it (never the hash)."""

    id: int
    username: str
    display_name: str
    role: str
    is_active: bool
    created_at: datetime
    last_login_at: Optional[datetime]


def _info(agent: Agent) -> AgentInfo:
    return from_attributes(AgentInfo, agent)


def normalise_username(username: str) -> str:
    """Usernames are case-insensitive: stored and compared in lower case."""
    return username.strip().lower()


def check_password_rules(password: str) -> None:
    """At least MIN_PASSWORD_LENGTH characters, no control characters (ValueError otherwise)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValueError(f"the password may have at most {MAX_PASSWORD_LENGTH} characters")
    if any(ord(char) < 32 or ord(char) == 127 for char in password):
        raise ValueError("the password must not contain control characters")


def create_agent(
    ctx: ServiceContext, username: str, display_name: str, role: str, password: str
) -> AgentInfo:
    """Create an account (AGENT_EXISTS if the username is taken)."""
    username = normalise_username(username)
    display_name = display_name.strip()
    if not USERNAME_RE.match(username):
        raise InvalidRequestError(
            "The username needs 2-64 characters: letters, digits, '.', '_' or '-'.",
            code="INVALID_USERNAME",
        )
    if not display_name or len(display_name) > 64:
        raise InvalidRequestError("The display name needs 1-64 characters.", code="INVALID_NAME")
    if role not in (Role.AGENT.value, Role.SUPERVISOR.value):
        raise InvalidRequestError("The role is agent or supervisor.", code="INVALID_ROLE")
    try:
        check_password_rules(password)
    except ValueError as error:
        raise InvalidRequestError(str(error), code="WEAK_PASSWORD") from error
    password_hash = ctx.hasher.hash(password)
    with ctx.db.session(write=True) as session:
        if session.execute(select(Agent.id).where(Agent.username == username)).first():
            raise ConflictError(f"The username {username!r} is taken.", code="AGENT_EXISTS")
        agent = Agent(
            username=username,
            display_name=display_name,
            role=role,
            password_hash=password_hash,
            is_active=True,
            failed_logins=0,
            created_at=ctx.now(),
        )
        session.add(agent)
        session.flush()
        return _info(agent)


def set_password(ctx: ServiceContext, username: str, password: str) -> AgentInfo:
    """Replace an account's password, lift any lockout, and end all its sessions."""
    from desk.services import sessions

    try:
        check_password_rules(password)
    except ValueError as error:
        raise InvalidRequestError(str(error), code="WEAK_PASSWORD") from error
    password_hash = ctx.hasher.hash(password)
    with ctx.db.session(write=True) as session:
        agent = lock_one(session, Agent, username=normalise_username(username))
        if agent is None:
            raise NotFoundError("No such account.", code="AGENT_NOT_FOUND")
        agent.password_hash = password_hash
        agent.failed_logins = 0
        agent.locked_until = None
        login_throttle.clear_account(session, agent.id)
        sessions.revoke_all(session, agent.id)
        return _info(agent)


def set_active(ctx: ServiceContext, username: str, active: bool) -> AgentInfo:
    """Enable or disable an account; disabling ends its sessions at once."""
    from desk.services import sessions

    with ctx.db.session(write=True) as session:
        agent = lock_one(session, Agent, username=normalise_username(username))
        if agent is None:
            raise NotFoundError("No such account.", code="AGENT_NOT_FOUND")
        agent.is_active = active
        if not active:
            sessions.revoke_all(session, agent.id)
        return _info(agent)


def list_agents(ctx: ServiceContext) -> list[AgentInfo]:
    """Every account, by username."""
    with ctx.db.session() as session:
        agents = session.execute(select(Agent).order_by(Agent.username)).scalars().all()
        return [_info(agent) for agent in agents]


def ensure_admin(ctx: ServiceContext, display_name: str = "客服主管") -> Optional[AgentInfo]:
    """Create the supervisor DESK_ADMIN_USER / DESK_ADMIN_PASSWORD unless it exists.

    An existing account is never changed (its password may have been changed since).
    """
    username = normalise_username(ctx.settings.admin_user)
    with ctx.db.session() as session:
        if session.execute(select(Agent.id).where(Agent.username == username)).first():
            return None
    try:
        return create_agent(
            ctx, username, display_name, Role.SUPERVISOR.value, ctx.settings.admin_password
        )
    except ConflictError:
        return None  # created concurrently by another process


# Verified against when the username is unknown, so both failures take the same time.
_DUMMY_HASHES: dict[tuple[int, int, int], str] = {}


def _dummy_hash(ctx: ServiceContext) -> str:
    key = (
        ctx.settings.argon2_time_cost,
        ctx.settings.argon2_memory_cost_kib,
        ctx.settings.argon2_parallelism,
    )
    if key not in _DUMMY_HASHES:
        _DUMMY_HASHES[key] = ctx.hasher.hash("not-a-real-password")
    return _DUMMY_HASHES[key]


def authenticate(
    ctx: ServiceContext, username: str, password: str, client_address: str = "unknown"
) -> AgentInfo:
    """Check a username and password from ``client_address``.

    Wrong credentials are one error whether the username exists or not (INVALID_CREDENTIALS,
    401). The sign-in limits of ``desk.services.login_throttle`` come first, each 429 with
    Retry-After: too many attempts from the address (TOO_MANY_ATTEMPTS), the account locked
    for this address or for all (ACCOUNT_LOCKED: right or wrong, the password is not even
    checked), every hash slot of the process busy (LOGIN_BUSY).
    """
    username = normalise_username(username)
    password = password[:MAX_PASSWORD_LENGTH]
    login_throttle.precheck(ctx, username, client_address)
    with login_throttle.hash_slot(ctx):
        claim = login_throttle.claim(ctx, username, client_address)
        valid = verify_password_hash(ctx.hasher, claim.password_hash or _dummy_hash(ctx), password)
    if claim.agent_id is None or not valid:
        logger.info("sign-in refused", extra={"username": username[:64]})
        raise AuthRequiredError("Wrong username or password.", code="INVALID_CREDENTIALS")
    now = ctx.now()
    with ctx.db.session(write=True) as session:
        row = lock_one(session, Agent, id=claim.agent_id)
        row.failed_logins = 0
        row.locked_until = None
        row.last_login_at = now
        row.last_seen_at = now
        login_throttle.forgive(session, row.id, client_address)
        if ctx.hasher.check_needs_rehash(row.password_hash):
            row.password_hash = ctx.hasher.hash(password)
        return _info(row)


def online_agent_count(ctx: ServiceContext, within_minutes: int = 10) -> int:
    """Active accounts seen in the last minutes (at least 1, for estimates)."""
    since = ctx.now() - timedelta(minutes=within_minutes)
    with ctx.db.session() as session:
        count = session.execute(
            select(func.count(Agent.id)).where(Agent.is_active, Agent.last_seen_at >= since)
        ).scalar()
    return max(1, int(count or 0))
