"""Measured fixes of Rasa 3.6 hot spots (bench/load.py with cProfile; docs/deploy.md figures).

Imported by the Rasa server process only (through ``addons.nlg``, which endpoints.yml loads),
never by the action server.

* ``RemoteAction._validate_action_result`` calls ``jsonschema.validate`` on every answer of the
  action server, and ``validate`` first checks the *schema* itself against the JSON-Schema
  meta-schema each time: half of the Rasa server's CPU per turn under load. Even with the
  schema checked once, matching every event against a ``oneOf`` of all event types stayed a
  twentieth of a turn. The action server is our own code, and every event it returns is
  deserialised right after (an unknown or malformed event fails there), so the answer's
  shape is checked directly: an object whose ``events`` and ``responses`` are lists of
  objects, each event naming its type. A violation raises jsonschema's ``ValidationError``
  with Rasa's message, as before.
* The form validators, the only actions that ask for the domain (``send_domain`` in
  domain.yml), get it without its responses: 60 of its 67 KB of JSON, which Rasa serialised
  and the action server parsed on every validation call, for text only Rasa renders (rasa-sdk
  reads the domain's slots and forms; the actions send response names, never read them).
* ``Event.resolve_by_type`` walks every subclass of ``Event`` (``all_subclasses`` recursion)
  for each event it deserialises: hundreds of times per turn (a tracker read, every action
  answer). The event classes are fixed once Rasa is imported, so the name → class map is
  built on first use. (Event classes defined later, e.g. by a plugin, rebuild it.)
* ``EndpointConfig.request`` (the action server calls) goes through one kept-alive session
  per event loop instead of a new session and connection per call (see
  ``addons.serving.pooled_http``).
* ``copy.copy`` of a ``Slot``: every tracker Rasa builds copies the domain's slots (32 here),
  and the policies build one per prediction to replay the conversation
  (``generate_all_prior_trackers``), others to test rules: copy's generic ``__reduce_ex__``
  path was a twelfth of the CPU per turn. ``Slot.__copy__`` makes the same shallow copy
  directly (a new instance sharing the attribute values), three times faster.
* ``DialogueStateTracker.copy`` (before every action the processor runs, and in form
  validation) builds an empty tracker and replays every event of the conversation into it:
  a twentieth of the CPU per turn, growing with the conversation. Rasa keeps a tracker's
  state re-creatable from its events (trackers.py says so), so the same copy is made from
  the state directly: the same events, slot copies, the active loop copied, and what
  ``init_copy`` leaves unset (sender source, model and assistant ids) left unset.
* ``Domain.states_for_tracker_history`` replays the conversation once per prediction instead
  of once per policy call (see ``addons.serving.tracker_states``).
* ``RulePolicy._get_possible_keys`` filters every rule against the conversation's states from
  the newest back, for every state of the session, reversing a copy of the rule's states for
  each check: about a twentieth of the CPU per turn. The same filter runs on rule states
  reversed once, and stops once every remaining rule is shorter than the states looked at
  (Rasa's own check passes every such rule). Before that, the rules are narrowed to those
  whose newest state may follow the conversation's last action (an index by the action name
  each rule's newest state requires): Rasa's check rejects the others on that name alone.
* Rasa's processor, form action, RulePolicy and MemoizationPolicy deep-copy the policy states,
  prediction events, parse data and slot candidates of every turn as arguments of
  ``structlogger.debug`` calls, which the server's INFO log then drops: a twentieth of the CPU
  per turn under load. In those four modules ``copy.deepcopy`` is only ever a debug-log
  argument (a test reads their source to keep it so), so there it copies only while debug
  logging is on (``rasa run --debug`` logs exactly what it did before).
* ``MessageProcessor._check_for_unseen_features`` asks ``Domain.is_empty`` on every message,
  which serialises the whole domain and a freshly built empty one to compare them: a thirtieth
  of the CPU per turn. A domain with responses is not the empty domain (whose responses are
  empty), so that answer comes without the comparison; other domains are still compared.
* Python's cyclic garbage collector walks every tracked object at each full collection: with
  Rasa, TensorFlow and the model loaded that is over half a million objects, about 330 ms
  during which the event loop serves nobody (timed with ``gc.callbacks`` under load: the
  worst latencies of a run). None of those objects is ever garbage, so once the model is
  loaded they are moved out of the collector's sight with ``gc.freeze`` (as CPython's docs
  suggest for long-lived data); what a turn allocates is still collected as before. A model
  loaded again later (``PUT /model``) unfreezes, collects the old one and freezes again.
  The collector then runs less often (``SERVING_GC_THRESHOLDS``): with CPython's thresholds
  (700, 10, 10) the objects a turn allocates and drops a moment later (events, parse data,
  states) kept reaching the older generations, and the trackers kept for the next turn
  (``addons.stores.tracker_cache``, some 200,000 objects) were walked by a full collection every few
  seconds, 20–190 ms each with the event loop stopped (timed with ``gc.callbacks`` under
  load). With (20,000, 20, 20) no full collection happened during a 35-second load, young
  collections take about as much time in all, and the server's CPU per turn dropped by 4 %
  (bench/load.py, the two settings side by side). Nothing is collected less: the collector
  only frees reference cycles, and those a little later.
* A turn's kept tracker (``addons.stores.tracker_cache``) is checked against the database's count of
  the conversation's events, in case another server handled the conversation meanwhile. A
  server whose lock store is in memory is the only one (several servers need a shared lock
  store to serialise a conversation's turns), so the ``Agent`` tells eepay's tracker store
  that it is the sole writer and the count (a thirtieth of the CPU per turn) is skipped.
* The prediction graph runs through ``addons.serving.graph_runner.SequentialGraphRunner`` instead of
  dask (see there). Installed before the server loads its model: ``addons.nlg`` is created
  before the ``MessageProcessor``.
"""

from __future__ import annotations

import copy
import dataclasses
import gc
from types import ModuleType
from typing import Any, Optional

import rasa.core.actions.forms
import rasa.core.policies.memoization
import rasa.core.policies.rule_policy
import rasa.core.processor
import structlog
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.constants import DEFAULT_SENDER_ID, DOCS_BASE_URL
from rasa.shared.core.constants import PREVIOUS_ACTION, SHOULD_NOT_BE_SET
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import Event
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ACTION_NAME
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import EndpointConfig

from addons.serving import tracker_states
from addons.serving.graph_runner import SequentialGraphRunner
from addons.serving.pooled_http import pooled_request
from addons.stores.tracker_store import RedactingSQLTrackerStore


def _shape_error(result: Any) -> Optional[str]:
    if not isinstance(result, dict):
        return "the answer is not a JSON object"
    for key in ("events", "responses"):
        items = result.get(key, [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            return f"'{key}' is not a list of objects"
    if not all(isinstance(e.get("event"), str) for e in result.get("events", [])):
        return "an event does not name its type"
    return None


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    problem = _shape_error(result)
    if problem:
        raise ValidationError(
            f"{problem}. Failed to validate Action server response from API, make sure your "
            f"response from the Action endpoint is valid. For more information about the "
            f"format visit {DOCS_BASE_URL}/custom-actions"
        )
    return True


_rasa_action_call_format = RemoteAction._action_call_format
DOMAIN_FOR_ACTIONS_ATTRIBUTE = "_eepay_domain_for_actions"


def domain_for_actions(domain: Domain) -> dict[str, Any]:
    """The domain as the action server gets it: Rasa's ``as_dict`` without the responses
    (built once per domain)."""
    cached = domain.__dict__.get(DOMAIN_FOR_ACTIONS_ATTRIBUTE)
    if cached is None:
        cached = {key: value for key, value in domain.as_dict().items() if key != "responses"}
        domain.__dict__[DOMAIN_FOR_ACTIONS_ATTRIBUTE] = cached
    return cached


def _action_call_format(
    self: RemoteAction, tracker: DialogueStateTracker, domain: Domain
) -> dict[str, Any]:
    """Rasa's request to the action server, with the domain (when sent) without responses."""
    result = _rasa_action_call_format(self, tracker, domain)
    if "domain" in result:
        result["domain"] = domain_for_actions(domain)
    return result


_EVENT_TYPES: dict[str, type] = {}


def _event_types() -> dict[str, type]:
    """type name → class, the first in ``all_subclasses`` order winning, as in Rasa's loop
    (``rasa.core.test.EndToEndUserUtterance`` is also named "user"; ``UserUttered`` comes first)."""
    types: dict[str, type] = {}
    for cls in all_subclasses(Event):
        types.setdefault(cls.type_name, cls)
    return types


def _resolve_by_type(type_name: str, default: Any = None) -> Any:
    event_class = _EVENT_TYPES.get(type_name)
    if event_class is None:
        _EVENT_TYPES.clear()
        _EVENT_TYPES.update(_event_types())
        event_class = _EVENT_TYPES.get(type_name)
    if event_class is not None:
        return event_class
    if type_name == "topic":
        return None  # as Rasa: old TopicSet events
    if default is not None:
        return default
    raise ValueError(f"Unknown event name '{type_name}'.")


def _copy_slot(self: Slot) -> Slot:
    """What ``copy.copy`` makes of a slot (``Slot`` has no ``__slots__``, ``__getstate__`` or
    ``__setstate__``), without its generic reduce-and-rebuild."""
    duplicate = object.__new__(type(self))
    duplicate.__dict__.update(self.__dict__)
    return duplicate


_rasa_get_possible_keys = RulePolicy._get_possible_keys
_reversed_rule_states: dict[str, tuple[dict[str, Any], ...]] = {}


def _rule_states_newest_first(rule_key: str) -> tuple[dict[str, Any], ...]:
    rule = _reversed_rule_states.get(rule_key)
    if rule is None:
        rule = tuple(reversed(RulePolicy._rule_key_to_state(rule_key)))
        _reversed_rule_states[rule_key] = rule
    return rule


# What DialogueStateTracker.__init__ sets (and so what a copy has), beyond the state below.
_TRACKER_ATTRIBUTES = frozenset(DialogueStateTracker("attributes", []).__dict__)


def _copy_tracker(self: DialogueStateTracker) -> DialogueStateTracker:
    """What Rasa's ``copy`` (``init_copy`` and a replay of every event) makes, from the state."""
    duplicate = object.__new__(DialogueStateTracker)
    duplicate.__dict__.update(
        {name: value for name, value in self.__dict__.items() if name in _TRACKER_ATTRIBUTES}
    )
    duplicate.sender_id = self.sender_id or DEFAULT_SENDER_ID
    duplicate.events = duplicate._create_events(self.events)
    duplicate.slots = {slot.name: copy.copy(slot) for slot in self.slots.values()}
    if self.active_loop is not None:
        duplicate.active_loop = dataclasses.replace(self.active_loop)
    # not passed on by init_copy
    duplicate.sender_source = None
    duplicate.model_id = None
    duplicate.assistant_id = None
    return duplicate


# On each RulePolicy: id(rule lookup) -> (the lookup, its rules by the action their newest
# state must follow). Kept on the policy so that a reloaded model's policy drops it.
RULE_INDEX_ATTRIBUTE = "_eepay_rules_by_previous_action"


def _required_previous_action(rule_key: str) -> Optional[str]:
    """The action name a rule's newest state requires as previous action, if it requires one
    (a value ``_does_rule_match_state`` compares for equality)."""
    newest = _rule_states_newest_first(rule_key)
    if not newest:
        return None
    name = (newest[0].get(PREVIOUS_ACTION) or {}).get(ACTION_NAME)
    return name if name and name != SHOULD_NOT_BE_SET else None


def _rule_candidates(
    policy: RulePolicy, lookup: dict[str, str], previous_action: Optional[str]
) -> set[str]:
    """The rules that can match a conversation whose newest state follows ``previous_action``:
    the others fail Rasa's check of the newest state on that action name alone."""
    indexes = policy.__dict__.setdefault(RULE_INDEX_ATTRIBUTE, {})
    cached = indexes.get(id(lookup))
    if cached is None or cached[0] is not lookup:
        index: dict[Optional[str], set[str]] = {}
        for key in lookup:
            index.setdefault(_required_previous_action(key), set()).add(key)
        cached = (lookup, index)
        indexes[id(lookup)] = cached
    index = cached[1]
    candidates = set(index.get(None, ()))
    if previous_action is not None:
        candidates |= index.get(previous_action, set())
    return candidates


def _get_possible_keys(self: RulePolicy, lookup: dict[str, str], states: list[State]) -> set[str]:
    """Rasa's filter (``_is_rule_applicable`` for each rule and state, newest state first)."""
    if not states:
        return set(lookup)
    newest_previous_action = (states[-1].get(PREVIOUS_ACTION) or {}).get(ACTION_NAME)
    possible = _rule_candidates(self, lookup, newest_previous_action)
    for turn_index, state in enumerate(reversed(states)):
        if all(turn_index >= len(_rule_states_newest_first(key)) for key in possible):
            break  # every remaining rule is applicable from here on
        current_previous_action = state.get(PREVIOUS_ACTION)
        applicable = set()
        for key in possible:
            rule = _rule_states_newest_first(key)
            if turn_index >= len(rule):
                applicable.add(key)
                continue
            rule_previous_action = rule[turn_index].get(PREVIOUS_ACTION)
            if not rule_previous_action and not current_previous_action:
                applicable.add(key)  # both are conversation starts
            elif not rule_previous_action or not current_previous_action:
                continue  # only one of them is a conversation start
            elif self._does_rule_match_state(rule[turn_index], state):
                applicable.add(key)
        possible = applicable
    return possible


# Rasa modules in which every ``copy.deepcopy(...)`` is an argument of ``structlogger.debug``
# (tests/addons/serving/test_speedups.py checks their source).
DEBUG_LOG_COPY_MODULES: tuple[ModuleType, ...] = (
    rasa.core.processor,
    rasa.core.actions.forms,
    rasa.core.policies.rule_policy,
    rasa.core.policies.memoization,
)


def debug_logging_enabled() -> bool:
    """Whether structlog's debug calls log anything (Rasa's filtering logger makes them a
    no-op function named ``_nop`` below DEBUG); True when in doubt."""
    debug = getattr(structlog.get_config().get("wrapper_class"), "debug", None)
    return getattr(debug, "__name__", "") != "_nop"


class _DebugLogCopies(ModuleType):
    """The ``copy`` module as those Rasa modules see it: ``deepcopy`` copies only while debug
    logging is on, since its result is then only a debug-log argument."""

    def __init__(self) -> None:
        super().__init__("copy")

    @staticmethod
    def deepcopy(value: Any, memo: Optional[dict[int, Any]] = None) -> Any:
        return copy.deepcopy(value, memo) if debug_logging_enabled() else value

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


_DEBUG_LOG_COPIES = _DebugLogCopies()

_rasa_domain_is_empty = Domain.is_empty


def _domain_is_empty(self: Domain) -> bool:
    """Rasa's answer; a domain with responses is never the (response-less) empty domain."""
    if self.responses:
        return False
    return _rasa_domain_is_empty(self)


_rasa_agent_init = Agent.__init__


def _agent_init(self: Agent, *args: Any, **kwargs: Any) -> None:
    """Rasa's, then eepay's tracker store told whether this server is its only writer."""
    _rasa_agent_init(self, *args, **kwargs)
    # Rasa wraps the configured store in a FailSafeTrackerStore
    store = getattr(self.tracker_store, "_tracker_store", self.tracker_store)
    if isinstance(store, RedactingSQLTrackerStore):
        store.sole_writer = isinstance(self.lock_store, InMemoryLockStore)


_rasa_load_model = Agent.load_model


# Allocations before a young collection; young collections before a middle one; middle ones
# before a full one (which CPython also holds back until a quarter of the old objects are new).
SERVING_GC_THRESHOLDS = (20_000, 20, 20)


def _load_model_then_freeze(self: Agent, *args: Any, **kwargs: Any) -> None:
    """Rasa's ``load_model``, then the loaded objects frozen out of the cyclic collector,
    which runs less often from then on."""
    _rasa_load_model(self, *args, **kwargs)
    gc.unfreeze()  # an earlier model's objects become collectable again
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVING_GC_THRESHOLDS)


def install() -> None:
    """Replaces the slow methods (idempotent)."""
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    RemoteAction._action_call_format = _action_call_format  # type: ignore[method-assign]
    Event.resolve_by_type = staticmethod(_resolve_by_type)  # type: ignore[method-assign]
    EndpointConfig.request = pooled_request  # type: ignore[method-assign]
    Slot.__copy__ = _copy_slot  # type: ignore[attr-defined]
    DialogueStateTracker.copy = _copy_tracker  # type: ignore[method-assign]
    tracker_states.install()
    RulePolicy._get_possible_keys = _get_possible_keys  # type: ignore[method-assign]
    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner  # type: ignore[misc]
    for module in DEBUG_LOG_COPY_MODULES:
        module.copy = _DEBUG_LOG_COPIES  # type: ignore[attr-defined]
    Domain.is_empty = _domain_is_empty  # type: ignore[method-assign]
    Agent.load_model = _load_model_then_freeze  # type: ignore[method-assign]
    Agent.__init__ = _agent_init  # type: ignore[method-assign]


install()
