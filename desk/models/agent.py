"""Agents (people who sign in to the desk) and their sessions."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String

from desk.models.base import Base, UTCDateTime, one_of
from desk.models.enums import Role, SessionKind


class Agent(Base):
    """A desk account: an agent or a supervisor, with an argon2id password hash."""

    __tablename__ = "desk_agents"

    id = Column(Integer, primary_key=True, autoincrement=True)
    username = Column(String(64), nullable=False, unique=True)
    display_name = Column(String(64), nullable=False)
    role = Column(String(16), nullable=False, default=Role.AGENT.value)
    password_hash = Column(String(255), nullable=False)
    is_active = Column(Boolean, nullable=False, default=True)
    failed_logins = Column(Integer, nullable=False, default=0)
    locked_until = Column(UTCDateTime, nullable=True)
    created_at = Column(UTCDateTime, nullable=False)
    last_login_at = Column(UTCDateTime, nullable=True)
    last_seen_at = Column(UTCDateTime, nullable=True)

    __table_args__ = (one_of("role", Role),)

    @property
    def is_supervisor(self) -> bool:
        """Supervisors may take over and resolve other agents' tickets."""
        return self.role == Role.SUPERVISOR.value


class AgentSession(Base):
    """A signed-in session: an API bearer token or a browser cookie, stored only as a digest."""

    __tablename__ = "desk_agent_sessions"

    id = Column(Integer, primary_key=True, autoincrement=True)
    token_digest = Column(String(64), nullable=False, unique=True)
    agent_id = Column(Integer, ForeignKey("desk_agents.id", ondelete="CASCADE"), nullable=False)
    kind = Column(String(8), nullable=False)
    csrf_token = Column(String(64), nullable=True)
    created_at = Column(UTCDateTime, nullable=False)
    expires_at = Column(UTCDateTime, nullable=False)
    last_used_at = Column(UTCDateTime, nullable=False)

    __table_args__ = (
        one_of("kind", SessionKind),
        Index("ix_desk_agent_sessions_agent", "agent_id"),
        Index("ix_desk_agent_sessions_expires", "expires_at"),
    )


class LoginCounter(Base):
    """A sign-in counter: attempts from one address, or wrong passwords for one account from
    one address (keys in ``desk.services.login_throttle``), with its window and its lock.

    Kept in the database, not in memory, so that every desk instance shares the limits and a
    counter is changed under the same row lock as the account it protects.
    """

    __tablename__ = "desk_login_counters"

    id = Column(Integer, primary_key=True, autoincrement=True)
    key = Column(String(160), nullable=False, unique=True)
    count = Column(Integer, nullable=False, default=0)
    window_start = Column(UTCDateTime, nullable=False)
    locked_until = Column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_desk_login_counters_window", "window_start"),)
