"""The dialogue states of a tracker, replayed once per prediction instead of once per policy.

Target: ``Domain.states_for_tracker_history``.

Why: before every prediction, each policy asks ``Domain.states_for_tracker_history`` for the
conversation's states: RulePolicy once or twice (rules on the message's text, then on its
intent), MemoizationPolicy once with other arguments (rule-only turns hidden). Each call
replays every event of the session on a fresh tracker (``generate_all_prior_trackers``) and
reads the state before each action, so a turn replays the conversation several times over.

Why it is equivalent: the replay is done once per tracker and kept as a list of snapshots:
for each prior tracker, what Rasa's loop reads of it (its state, its previous action, whether
the turn is hidden from ML policies and whether that may change).
``states_for_tracker_history`` then runs Rasa's loop over the snapshots instead of the
trackers, with the same steps in the same order, on fresh copies (the featurizers edit the
states they get). A replay is kept as long as its tracker lives (a weak reference: a turn's
tracker is dropped when the turn ends); it remembers how many events it has seen and the
last one.

Within one turn the processor predicts, runs the action, appends its events to the same
tracker and predicts again. When the new events only extend what was replayed — no restart or
session start, no reverted utterance or action, no form activated, no form action run (those
make Rasa's ``applied_events`` drop or rewrite earlier events) — the kept replay goes on from
where it stopped instead of starting over; otherwise the conversation is replayed in full.
Tests compare the result with Rasa's function on every story and rule, event by event.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable
from itertools import islice
from typing import Any, NamedTuple, Optional

from rasa.shared.core.constants import PREVIOUS_ACTION
from rasa.shared.core.domain import Domain, State, SubState
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
)
from rasa.shared.core.trackers import DialogueStateTracker

from addons.serving.patching import Patch


class Snapshot(NamedTuple):
    """What Rasa's states loop reads of one prior tracker."""

    hide_rule_turn: bool
    keeps_hidden_flag: bool  # a followup action, or the active loop running its happy path
    previous_action: SubState
    state: State


# Events after which Rasa's applied_events is not "the earlier ones plus these".
_REWRITING_EVENTS = (Restarted, SessionStarted, ActionReverted, UserUtteranceReverted)


class _Replay:
    """A tracker's replay so far: the prior-tracker snapshots, and the running copy that
    ``generate_all_prior_trackers`` would be at after the events seen."""

    __slots__ = (
        "domain",
        "omit_unset_slots",
        "seen",
        "last",
        "loop_names",
        "running",
        "snapshots",
    )

    def __init__(
        self, domain: Domain, tracker: DialogueStateTracker, omit_unset_slots: bool
    ) -> None:
        self.domain = domain  # not the tracker: the replay must not keep it alive
        self.omit_unset_slots = omit_unset_slots
        events = tracker.events
        self.seen = len(events)
        self.last = events[-1] if events else None
        self.loop_names = {e.name for e in events if isinstance(e, ActiveLoop) and e.name}
        # Rasa's generate_all_prior_trackers, keeping the running tracker
        self.running = tracker.init_copy()
        self.snapshots: list[Snapshot] = []
        self._apply(tracker.applied_events(), [])

    def _snapshot(self, hide_rule_turn: bool) -> Snapshot:
        prior = self.running
        return Snapshot(
            hide_rule_turn,
            bool(prior.followup_action) or prior.latest_action_name == prior.active_loop_name,
            self.domain._get_prev_action_sub_state(prior),
            self.domain.get_active_state(prior, omit_unset_slots=self.omit_unset_slots),
        )

    def _apply(self, events: Iterable[Event], snapshots: list[Snapshot]) -> None:
        for event in events:
            if isinstance(event, ActionExecuted):
                snapshots.append(self._snapshot(event.hide_rule_turn))
            self.running.update(event)
        snapshots.append(self._snapshot(False))  # the tracker after its last event
        self.snapshots = snapshots

    def is_current(self, tracker: DialogueStateTracker) -> bool:
        events = tracker.events
        return len(events) == self.seen and (events[-1] if events else None) is self.last

    def extend(self, tracker: DialogueStateTracker) -> bool:
        """Goes on with the tracker's new events if they only extend the replay."""
        events = tracker.events
        if self.seen == 0 or len(events) <= self.seen or events[self.seen - 1] is not self.last:
            return False
        new = list(islice(events, self.seen, None))
        for event in new:
            if isinstance(event, _REWRITING_EVENTS):
                return False
            if isinstance(event, ActiveLoop) and event.name:
                return False  # a new loop name changes how earlier loop actions count
            if isinstance(event, ActionExecuted) and event.action_name in self.loop_names:
                return False  # a loop's happy path may fold earlier events
        self._apply(new, self.snapshots[:-1])
        self.seen, self.last = len(events), events[-1]
        return True


# id(tracker) -> (a weak reference to it, its replays by (id(domain), omit_unset_slots))
_replays: dict[int, tuple[weakref.ref, dict[tuple[int, bool], _Replay]]] = {}


def _forget(key: int) -> Callable[[weakref.ref], None]:
    def drop(reference: weakref.ref) -> None:
        entry = _replays.get(key)
        if entry is not None and entry[0] is reference:
            del _replays[key]

    return drop


def snapshots(domain: Domain, tracker: DialogueStateTracker, omit_unset_slots: bool) -> list:
    """The tracker's replay: the kept one, extended by new events, or a new one."""
    key = id(tracker)
    entry = _replays.get(key)
    if entry is None or entry[0]() is not tracker:
        entry = (weakref.ref(tracker, _forget(key)), {})
        _replays[key] = entry
    replays = entry[1]
    kept = replays.get((id(domain), omit_unset_slots))
    if kept is not None and kept.domain is domain:
        if kept.is_current(tracker) or kept.extend(tracker):
            return kept.snapshots
    kept = _Replay(domain, tracker, omit_unset_slots)
    replays[(id(domain), omit_unset_slots)] = kept
    return kept.snapshots


def carry_over(source: DialogueStateTracker, target: DialogueStateTracker, cut: int) -> None:
    """Moves the source tracker's replays to the target: the source's events without the
    first ``cut``, all before its latest session start. Rasa's ``applied_events`` start
    after that session start in both, so the replays hold for the target as they are; only
    the count of events they have seen moves. The source's replays are dropped."""
    entry = _replays.pop(id(source), None)
    if entry is None or entry[0]() is not source:
        return
    events = source.events
    moved = {}
    for key, replay in entry[1].items():
        if cut < replay.seen <= len(events) and events[replay.seen - 1] is replay.last:
            replay.seen -= cut
            moved[key] = replay
    if moved:
        _replays[id(target)] = (weakref.ref(target, _forget(id(target))), moved)


def states_for_tracker_history(
    self: Domain,
    tracker: DialogueStateTracker,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: Optional[dict[str, Any]] = None,
) -> list[State]:
    """``Domain.states_for_tracker_history``: Rasa's loop, over the kept replay."""
    states: list[State] = []
    last_ml_action_sub_state: Optional[SubState] = None
    turn_was_hidden = False
    for snapshot in snapshots(self, tracker, omit_unset_slots):
        if ignore_rule_only_turns:
            if not turn_was_hidden:
                # a fresh copy, shared by the states it is put in, as Rasa's is
                last_ml_action_sub_state = dict(snapshot.previous_action)
            if not snapshot.keeps_hidden_flag:
                turn_was_hidden = snapshot.hide_rule_turn
            if turn_was_hidden:
                continue

        state = {kind: dict(sub_state) for kind, sub_state in snapshot.state.items()}

        if ignore_rule_only_turns:
            self._remove_rule_only_features(state, rule_only_data)
            if states:
                self._substitute_rule_only_user_input(state, states[-1])
            if last_ml_action_sub_state:
                state[PREVIOUS_ACTION] = last_ml_action_sub_state

        states.append(self._clean_state(state))
    return states


PATCH = Patch(
    "rasa.shared.core.domain.Domain.states_for_tracker_history",
    states_for_tracker_history,
    reviewed={
        "rasa.shared.core.domain.Domain.states_for_tracker_history": "b1af703ff9f00d2e",
        "rasa.shared.core.trackers.DialogueStateTracker.generate_all_prior_trackers": (
            "9cdb59862f8651a0"
        ),
        "rasa.shared.core.trackers.DialogueStateTracker.applied_events": "75f767527f203c9f",
    },
)
PATCHES = (PATCH,)
# Rasa's own function, which tests compare the replay with
rasa_states_for_tracker_history = PATCH.original


def install() -> None:
    """Replaces ``Domain.states_for_tracker_history`` (idempotent)."""
    PATCH.install()
