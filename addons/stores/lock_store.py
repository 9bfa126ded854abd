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

Here every change of a lock is one Lua script that Redis runs atomically (issue a ticket,
return a ticket, drop expired tickets), so tickets are unique and served in order, and a lock is
deleted only when nobody holds a ticket on it. A script is also one round trip where a
WATCH / GET / MULTI / EXEC transaction is three: the lock is taken and returned on every turn,
and the Redis client blocks the server's event loop while it waits. The stored value is
Rasa's ``TicketLock`` JSON, so Rasa's ``get_lock`` reads it unchanged. The key expires on its
own shortly after its last ticket would, so a crashed replica leaves nothing behind, and a
waiting turn looks at the lock every 50 ms instead of every second. Same settings as
``type: redis`` (url, port, db, password, key_prefix, ...); endpoints.prod.yml uses it.
"""

from __future__ import annotations

import time
from contextlib import AbstractAsyncContextManager
from typing import Any, Optional

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from service_kit.db import StoreTimeouts

KEY_GRACE_SECONDS = 60  # the key outlives its latest ticket by this much
# How often a waiting turn looks at the lock again. Rasa's default is 1 s, which a customer who
# sends two messages in a row feels as a second of extra latency on the second one.
LOCK_POLL_SECONDS = 0.05

# One change of a conversation's lock, run by Redis as a whole. The value is Rasa's
# TicketLock.dumps(): {"conversation_id": ..., "tickets": ["{\"number\": n, \"expires\": t}", ...]}.
# KEYS[1] the lock's key. ARGV: operation ("issue", "finish" or "expire"), now (the caller's
# time.time(), as Rasa's own expiry checks use), conversation id, grace seconds, then for
# "issue" the ticket lifetime, for "finish" the ticket number. Returns the issued number or 0.
CHANGE_LOCK_SCRIPT = """
local operation, now = ARGV[1], tonumber(ARGV[2])
local conversation_id, grace = ARGV[3], tonumber(ARGV[4])
local tickets = {}
local raw = redis.call('GET', KEYS[1])
if raw then
  local stored = cjson.decode(raw)
  if type(stored['conversation_id']) == 'string' then
    conversation_id = stored['conversation_id']
  end
  for _, encoded in ipairs(stored['tickets'] or {}) do
    local ticket = cjson.decode(encoded)
    if not (now > tonumber(ticket['expires'])) then table.insert(tickets, ticket) end
  end
end
local result = 0
if operation == 'issue' then
  if #tickets > 0 then result = tickets[#tickets]['number'] + 1 end
  table.insert(tickets, {number = result, expires = now + tonumber(ARGV[5])})
elseif operation == 'finish' then
  local number = tonumber(ARGV[5])
  for index, ticket in ipairs(tickets) do
    if ticket['number'] == number then table.remove(tickets, index) break end
  end
end
if #tickets == 0 then
  redis.call('DEL', KEYS[1])
  return result
end
local encoded, latest = {}, 0
for index, ticket in ipairs(tickets) do
  encoded[index] = cjson.encode({number = ticket['number'], expires = ticket['expires']})
  if ticket['expires'] > latest then latest = ticket['expires'] end
end
local ttl = math.max(1, math.ceil(latest - now) + grace)
redis.call('SET', KEYS[1], cjson.encode({conversation_id = conversation_id, tickets = encoded}),
  'EX', ttl)
return result
"""


class AtomicRedisLockStore(RedisLockStore):
    """``RedisLockStore`` with atomic ticket handling (see the module docstring)."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        """Built by Rasa from endpoints.yml
        (``lock_store: type: addons.stores.lock_store.AtomicRedisLockStore``)."""
        settings = dict(endpoint_config.kwargs) if endpoint_config else {}
        settings.update(kwargs)
        if endpoint_config and endpoint_config.url:
            settings["host"] = endpoint_config.url
        # Every lock change blocks the event loop while it waits for Redis: bound the wait
        # (REDIS_SOCKET_TIMEOUT_SECONDS, REDIS_CONNECT_TIMEOUT_SECONDS) well below Rasa's 10 s.
        timeouts = StoreTimeouts.from_environment().redis_options()
        settings.setdefault("socket_timeout", timeouts["socket_timeout"])
        super().__init__(**settings)
        self.red.connection_pool.connection_kwargs["socket_connect_timeout"] = timeouts[
            "socket_connect_timeout"
        ]
        # EVALSHA, loading the script into Redis on first use (and again after a restart)
        self._change_lock = self.red.register_script(CHANGE_LOCK_SCRIPT)

    def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = LOCK_POLL_SECONDS,
    ) -> AbstractAsyncContextManager[TicketLock]:
        """Rasa's ticket lock, polled every ``LOCK_POLL_SECONDS`` instead of every second."""
        return super().lock(conversation_id, lock_lifetime, wait_time_in_seconds)

    def _run(self, operation: str, conversation_id: str, *extra: Any) -> int:
        """Runs one change of the conversation's lock in Redis (``CHANGE_LOCK_SCRIPT``)."""
        arguments = [operation, repr(time.time()), conversation_id, KEY_GRACE_SECONDS, *extra]
        return int(self._change_lock(keys=[self.key_prefix + conversation_id], args=arguments))

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """A new ticket, unique for the conversation even across replicas."""
        try:
            return self._run("issue", conversation_id, repr(float(lock_lifetime)))
        except redis.RedisError as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        """Drops expired tickets (a replica that died while serving one)."""
        self._run("expire", conversation_id)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Returns ``ticket_number``; deletes the lock when no ticket is left."""
        self._run("finish", conversation_id, int(ticket_number))

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Same as ``finish_serving``: the lock goes with its last ticket."""
        self.finish_serving(conversation_id, ticket_number)
