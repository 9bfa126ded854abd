"""Sessions: opaque random tokens, stored only as SHA-256 digests, with an expiry.

Two kinds share one table: ``api`` sessions are the bearer tokens of ``POST /api/login``
(absolute expiry); ``web`` sessions are the browser's cookie (absolute expiry plus an idle
timeout) and carry the CSRF token every form of that session must echo. Signing out deletes
the row, so a token stops working at once — which a signed token could not do.

Only an agent's own actions (opening a page, replying, claiming...) move a browser session's
idle deadline; the pages' background polling (``activity=False``) does not, or an unattended
desk left open on a queue would stay signed in until the absolute expiry.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Optional

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from desk.core.security import token_digest
from desk.models import Agent, AgentSession
from desk.models.enums import SessionKind
from desk.services import login_throttle
from desk.services.context import ServiceContext
from desk.services.principal import Principal
from service_kit.schemas import from_attributes
from service_kit.security import new_token

# How often "last used" is written back (not on every request).
TOUCH_INTERVAL = timedelta(seconds=60)


def create_session(ctx: ServiceContext, agent_id: int, kind: SessionKind) -> tuple[str, Principal]:
    """A new session for the agent; returns the raw token (shown once) and the principal."""
    token = new_token()
    now = ctx.now()
    minutes = (
        ctx.settings.api_token_ttl_minutes
        if kind == SessionKind.API
        else ctx.settings.session_ttl_minutes
    )
    with ctx.db.session(write=True) as session:
        agent = session.get(Agent, agent_id)
        row = AgentSession(
            token_digest=token_digest(token),
            agent_id=agent_id,
            kind=kind.value,
            csrf_token=new_token() if kind == SessionKind.WEB else None,
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
            last_used_at=now,
        )
        session.add(row)
        session.flush()
        return token, _principal(agent, row)


def _principal(agent: Agent, row: AgentSession) -> Principal:
    return from_attributes(
        Principal, agent, agent_id=agent.id, session_id=row.id, csrf_token=row.csrf_token
    )


def expires_at(ctx: ServiceContext, token: str) -> Optional[str]:
    """The expiry of a session token as ISO 8601, or None if it does not exist."""
    with ctx.db.session() as session:
        row = session.execute(
            select(AgentSession).where(AgentSession.token_digest == token_digest(token))
        ).scalar()
        return row.expires_at.isoformat() if row else None


def resolve(
    ctx: ServiceContext, token: Optional[str], kind: SessionKind, *, activity: bool = True
) -> Optional[Principal]:
    """The principal of a live session token of this kind, or None.

    ``activity`` says the request is the agent's doing and keeps the session from going idle;
    a poll (False) only marks the agent as present.
    """
    if not token or len(token) > 256:
        return None
    now = ctx.now()
    with ctx.db.session() as session:
        found = session.execute(
            select(AgentSession, Agent)
            .join(Agent, Agent.id == AgentSession.agent_id)
            .where(AgentSession.token_digest == token_digest(token))
        ).first()
    if found is None:
        return None
    row, agent = found
    if row.kind != kind.value or not agent.is_active or row.expires_at <= now:
        return None
    idle = timedelta(minutes=ctx.settings.session_idle_minutes)
    if kind == SessionKind.WEB and row.last_used_at + idle <= now:
        return None
    touch_session = activity and now - row.last_used_at >= TOUCH_INTERVAL
    touch_agent = agent.last_seen_at is None or now - agent.last_seen_at >= TOUCH_INTERVAL
    if touch_session or touch_agent:
        with ctx.db.session(write=True) as session:
            if touch_session:
                session.execute(
                    update(AgentSession).where(AgentSession.id == row.id).values(last_used_at=now)
                )
            session.execute(update(Agent).where(Agent.id == agent.id).values(last_seen_at=now))
    return _principal(agent, row)


def revoke(ctx: ServiceContext, token: Optional[str]) -> None:
    """End the session of this token (sign out); unknown tokens are ignored."""
    if not token:
        return
    with ctx.db.session(write=True) as session:
        session.execute(
            delete(AgentSession).where(AgentSession.token_digest == token_digest(token))
        )


def revoke_all(session: Session, agent_id: int) -> None:
    """End every session of an agent (inside the caller's transaction)."""
    session.execute(delete(AgentSession).where(AgentSession.agent_id == agent_id))


def purge_expired(ctx: ServiceContext) -> int:
    """Delete expired sessions (and sign-in counters that no longer count); returns how many
    sessions."""
    login_throttle.purge_stale(ctx)
    with ctx.db.session(write=True) as session:
        result = session.execute(delete(AgentSession).where(AgentSession.expires_at <= ctx.now()))
        return int(result.rowcount or 0)
