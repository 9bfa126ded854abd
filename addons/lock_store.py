"""Redis lock store whose tickets are taken and returned atomically, for several Rasa replicas.

Rasa 3.6's ``RedisLockStore`` changes a conversation's lock by reading it, changing it in
Python and writing it back (GET, then SET). Two replicas that receive messages of the same
conversation at the same moment can both read "no lock", both issue ticket 0 and both handle
their message at once; the SQL tracker store then stores only "the events after the number
already stored", so the first message's user event disappears. The same race lets ``cleanup``
delete a lock another replica has just taken a ticket on (that replica's turn then fails with
a LockError). tests/scale/test_lock_store.py shows it every time; test_scale_out.py lost a
turn in 2 of 5 runs. RasaHQ/rasa#9213 reports it; the fix
(``ConcurrentRedisLockStore``, RasaHQ/rasa#11256) was reverted from Rasa Open Source (#11428).

Here every change of a lock is one Redis transaction (WATCH / MULTI / EXEC, repeated when
another replica changed the lock in between), so tickets are unique and served in order, and
a lock is deleted only when nobody holds a ticket on it. The key expires on its own shortly
after its last ticket would, so a crashed replica leaves nothing behind, and a waiting turn
looks at the lock every 50 ms instead of every second. Same settings as
``type: redis`` (url, port, db, password, key_prefix, ...); endpoints.prod.yml uses it.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, Optional

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

KEY_GRACE_SECONDS = 60  # the key outlives its latest ticket by this much
# How often a waiting turn looks at the lock again. Rasa's default is 1 s, which a customer who
# sends two messages in a row feels as a second of extra latency on the second one.
LOCK_POLL_SECONDS = 0.05

# change(lock or None) -> (result, lock to store or None to delete)
Change = Callable[[Optional[TicketLock]], tuple[Any, Optional[TicketLock]]]


class AtomicRedisLockStore(RedisLockStore):
    """``RedisLockStore`` with atomic ticket handling (see the module docstring)."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        """Built by Rasa from ``lock_store: type: addons.lock_store.AtomicRedisLockStore``."""
        settings = dict(endpoint_config.kwargs) if endpoint_config else {}
        settings.update(kwargs)
        if endpoint_config and endpoint_config.url:
            settings["host"] = endpoint_config.url
        super().__init__(**settings)

    def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = LOCK_POLL_SECONDS,
    ) -> AbstractAsyncContextManager[TicketLock]:
        """Rasa's ticket lock, polled every ``LOCK_POLL_SECONDS`` instead of every second."""
        return super().lock(conversation_id, lock_lifetime, wait_time_in_seconds)

    def _change(self, conversation_id: str, change: Change) -> Any:
        """Applies ``change`` to the stored lock in one transaction; returns its result."""
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                    result, new_lock = change(lock)
                    pipe.multi()
                    if new_lock is None or not new_lock.tickets:
                        pipe.delete(key)
                    else:
                        latest = max(ticket.expires for ticket in new_lock.tickets)
                        ttl = max(1, math.ceil(latest - time.time()) + KEY_GRACE_SECONDS)
                        pipe.set(key, new_lock.dumps(), ex=ttl)
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # another replica changed the lock: read it again

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """A new ticket, unique for the conversation even across replicas."""

        def take(lock: Optional[TicketLock]) -> tuple[int, TicketLock]:
            lock = lock or self.create_lock(conversation_id)
            return lock.issue_ticket(lock_lifetime), lock

        try:
            return self._change(conversation_id, take)
        except redis.RedisError as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        """Drops expired tickets (a replica that died while serving one)."""

        def expire(lock: Optional[TicketLock]) -> tuple[None, Optional[TicketLock]]:
            if lock is not None:
                lock.remove_expired_tickets()
            return None, lock

        self._change(conversation_id, expire)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Returns ``ticket_number``; deletes the lock when no ticket is left."""

        def finish(lock: Optional[TicketLock]) -> tuple[None, Optional[TicketLock]]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return None, lock

        self._change(conversation_id, finish)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Same as ``finish_serving``: the lock goes in the same transaction as the ticket."""
        self.finish_serving(conversation_id, ticket_number)
