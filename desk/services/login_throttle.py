"""Sign-in limits: who may try a password now, counted before the slow hash.

Three limits, each answered 429 with ``Retry-After`` (docs/security.md, "Desk sign-in"):

* **per client address** — ``login_attempts_per_minute`` attempts in a fixed one-minute window,
  whatever the username (TOO_MANY_ATTEMPTS). A successful sign-in gives its attempt back, so a
  whole office behind one address can sign in at nine; a guesser cannot spray usernames.
* **per account and address** — ``login_max_failures`` wrong passwords in a row from one
  address lock that address out of the account for ``login_lockout_seconds``
  (ACCOUNT_LOCKED). The lock is per address so that a stranger's guesses cannot lock the
  legitimate agent, who signs in from elsewhere, out of their own account.
* **per account** — ``login_account_max_failures`` wrong passwords from all addresses together
  lock the account everywhere: the backstop against guessing from many addresses at once.

An attempt is counted as a failure when it is *claimed*, before its hash is computed, under the
account's row lock (``desk.db.lock_one``: ``SELECT ... FOR UPDATE`` on PostgreSQL, SQLite's write
lock taken by ``BEGIN IMMEDIATE``); a right password clears the count afterwards. Checking the
lock and counting in one locked step is what makes the limit exact: of any number of parallel
wrong passwords, exactly ``login_max_failures`` are checked and every later one is refused as
locked, whatever the timing.

The counters live in the database (``desk_login_counters``), not in process memory: every desk
instance then shares them, and the per-account count changes under the same lock as the account.
The refusals read before they write, so a flood of refused attempts costs reads, not writes.

The hashes themselves are bounded per process (:func:`hash_slot`): argon2id takes
``argon2_memory_cost_kib`` of memory per hash, so a login flood must not run forty of them at
once in the server's thread pool.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from desk.core.errors import RateLimitedError
from desk.db import lock_one
from desk.models import Agent, LoginCounter
from desk.services.context import ServiceContext

ADDRESS_WINDOW = timedelta(minutes=1)
# Retry-After of an attempt that found every hash slot taken: slots free within milliseconds.
BUSY_RETRY_SECONDS = 1


@dataclass(frozen=True)
class Claim:
    """A counted attempt: the account it is for (None: no such active account) and its hash."""

    agent_id: Optional[int]
    password_hash: Optional[str]


def address_key(address: str) -> str:
    """The counter of attempts from one client address."""
    return f"address:{address}"


def account_key(agent_id: int, address: str) -> str:
    """The counter of wrong passwords for one account from one client address."""
    return f"account:{agent_id}|{address}"


def _seconds_until(moment: datetime, now: datetime) -> int:
    return math.ceil((moment - now).total_seconds())


def _locked(retry_after: int) -> RateLimitedError:
    return RateLimitedError(
        "Too many wrong passwords; try again later.",
        retry_after_seconds=retry_after,
        code="ACCOUNT_LOCKED",
    )


def _too_many(retry_after: int) -> RateLimitedError:
    return RateLimitedError(
        "Too many sign-in attempts from this address; try again later.",
        retry_after_seconds=retry_after,
        code="TOO_MANY_ATTEMPTS",
    )


def _address_refusal(
    ctx: ServiceContext, row: Optional[LoginCounter], now: datetime
) -> Optional[RateLimitedError]:
    if row is None or row.window_start + ADDRESS_WINDOW <= now:
        return None
    if row.count >= ctx.settings.login_attempts_per_minute:
        return _too_many(_seconds_until(row.window_start + ADDRESS_WINDOW, now))
    return None


def _lock_refusal(
    agent: Optional[Agent], pair: Optional[LoginCounter], now: datetime
) -> Optional[RateLimitedError]:
    for locked_until in (
        agent.locked_until if agent is not None else None,
        pair.locked_until if pair is not None else None,
    ):
        if locked_until is not None and locked_until > now:
            return _locked(_seconds_until(locked_until, now))
    return None


def precheck(ctx: ServiceContext, username: str, address: str) -> None:
    """Refuse at once, reading only, an attempt that :func:`claim` would refuse now (so that
    refused attempts neither write nor wait for a hash slot)."""
    now = ctx.now()
    with ctx.db.session() as session:
        counter = session.execute(
            select(LoginCounter).where(LoginCounter.key == address_key(address))
        ).scalar()
        refusal = _address_refusal(ctx, counter, now)
        if refusal is None:
            agent = session.execute(select(Agent).where(Agent.username == username)).scalar()
            pair = None
            if agent is not None:
                pair = session.execute(
                    select(LoginCounter).where(LoginCounter.key == account_key(agent.id, address))
                ).scalar()
            refusal = _lock_refusal(agent, pair, now)
    if refusal is not None:
        raise refusal


def _counter(session: Session, key: str, now: datetime) -> LoginCounter:
    """The counter row of ``key``, created if missing, locked for this transaction."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(LoginCounter)
        .values(key=key, count=0, window_start=now)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    return lock_one(session, LoginCounter, key=key)


def claim(ctx: ServiceContext, username: str, address: str) -> Claim:
    """Count an attempt from ``address`` at ``username`` as a failure, or refuse it (429).

    The account's row is locked first, so claims for one account are taken one at a time; the
    attempt that reaches a limit sets the lock that refuses the next ones.
    """
    settings = ctx.settings
    now = ctx.now()
    with ctx.db.session(write=True) as session:
        counter = _counter(session, address_key(address), now)
        if counter.window_start + ADDRESS_WINDOW <= now:
            counter.window_start, counter.count = now, 0
        refusal = _address_refusal(ctx, counter, now)
        if refusal is not None:
            raise refusal
        counter.count += 1
        agent = lock_one(session, Agent, username=username)
        if agent is None or not agent.is_active:
            return Claim(None, None)
        pair = _counter(session, account_key(agent.id, address), now)
        refusal = _lock_refusal(agent, pair, now)
        if refusal is not None:
            # commit the address's count: hammering a locked account uses up the minute too
            session.commit()
            raise refusal
        lockout = now + timedelta(seconds=settings.login_lockout_seconds)
        pair.count += 1
        if pair.count >= settings.login_max_failures:
            pair.count, pair.locked_until = 0, lockout
        agent.failed_logins += 1
        if agent.failed_logins >= settings.login_account_max_failures:
            agent.failed_logins, agent.locked_until = 0, lockout
        return Claim(agent.id, agent.password_hash)


def forgive(session: Session, agent_id: int, address: str) -> None:
    """A right password from ``address``: clear the account's counts and give the address its
    attempt back (inside the caller's transaction, which holds the account's row lock)."""
    session.execute(delete(LoginCounter).where(LoginCounter.key == account_key(agent_id, address)))
    counter = lock_one(session, LoginCounter, key=address_key(address))
    if counter is not None and counter.count > 0:
        counter.count -= 1


def clear_account(session: Session, agent_id: int) -> None:
    """Lift every lock of an account (a new password), inside the caller's transaction."""
    session.execute(
        delete(LoginCounter)
        .where(LoginCounter.key.startswith(f"account:{agent_id}|"))
        .execution_options(synchronize_session=False)
    )


def purge_stale(ctx: ServiceContext) -> int:
    """Delete counters neither counting nor locking any more; returns how many."""
    now = ctx.now()
    idle_since = now - max(ADDRESS_WINDOW, timedelta(seconds=ctx.settings.login_lockout_seconds))
    with ctx.db.session(write=True) as session:
        result = session.execute(
            delete(LoginCounter)
            .where(
                LoginCounter.key.startswith("address:"),
                LoginCounter.window_start < idle_since,
            )
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)


_slots: dict[int, threading.BoundedSemaphore] = {}
_slots_guard = threading.Lock()


def _semaphore(limit: int) -> threading.BoundedSemaphore:
    with _slots_guard:
        if limit not in _slots:
            _slots[limit] = threading.BoundedSemaphore(limit)
        return _slots[limit]


@contextmanager
def hash_slot(ctx: ServiceContext) -> Iterator[None]:
    """Hold one of this process's ``login_max_concurrent_hashes`` slots; an attempt that finds
    none free within ``login_hash_wait_seconds`` is refused (429 LOGIN_BUSY), not queued
    without bound. Routes are synchronous and run in the server's thread pool, hence a
    thread semaphore."""
    slots = _semaphore(ctx.settings.login_max_concurrent_hashes)
    if not slots.acquire(timeout=ctx.settings.login_hash_wait_seconds):
        raise RateLimitedError(
            "The desk is busy signing other people in; try again in a moment.",
            retry_after_seconds=BUSY_RETRY_SECONDS,
            code="LOGIN_BUSY",
        )
    try:
        yield
    finally:
        slots.release()
