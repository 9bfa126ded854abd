"""The dialogue states of a tracker, replayed once per prediction instead of once per policy.

Before every prediction, each policy asks ``Domain.states_for_tracker_history`` for the
conversation's states: RulePolicy once or twice (rules on the message's text, then on its
intent), MemoizationPolicy once with other arguments (rule-only turns hidden). Each call
replays every event of the session on a fresh tracker (``generate_all_prior_trackers``) and
reads the state before each action: that replay was a ninth of the Rasa server's CPU per turn
under load (py-spy, bench/load.py).

Here the replay is done once per tracker and length, and kept as a list of snapshots: for each
prior tracker, what Rasa's loop reads of it (its state, its previous action, whether the turn
is hidden from ML policies and whether that may change). ``states_for_tracker_history`` then
runs Rasa's loop over the snapshots instead of the trackers, with the same steps in the same
order, on fresh copies (the featurizers edit the states they get). The last few replays are
kept, keyed by the tracker object, its number of events and its last event: the same tracker
within one prediction. Tests compare the result with Rasa's function on every story and rule.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, NamedTuple, Optional

from rasa.shared.core.constants import PREVIOUS_ACTION
from rasa.shared.core.domain import Domain, State, SubState
from rasa.shared.core.trackers import DialogueStateTracker

REPLAYS_KEPT = 4

rasa_states_for_tracker_history = Domain.states_for_tracker_history


class Snapshot(NamedTuple):
    """What Rasa's states loop reads of one prior tracker."""

    hide_rule_turn: bool
    keeps_hidden_flag: bool  # a followup action, or the active loop running its happy path
    previous_action: SubState
    state: State


_replays: OrderedDict[tuple, tuple[Any, ...]] = OrderedDict()


def _replay(domain: Domain, tracker: DialogueStateTracker, omit_unset_slots: bool) -> list:
    return [
        Snapshot(
            hide_rule_turn,
            bool(prior.followup_action) or prior.latest_action_name == prior.active_loop_name,
            domain._get_prev_action_sub_state(prior),
            domain.get_active_state(prior, omit_unset_slots=omit_unset_slots),
        )
        for prior, hide_rule_turn in tracker.generate_all_prior_trackers()
    ]


def snapshots(domain: Domain, tracker: DialogueStateTracker, omit_unset_slots: bool) -> list:
    """The tracker's replay, from the kept ones when the tracker has not moved on."""
    events = tracker.events
    last = events[-1] if events else None
    key = (id(domain), id(tracker), len(events), id(last), omit_unset_slots)
    kept = _replays.get(key)
    # an entry holds the objects whose ids make its key, so no id is reused while it lives
    if kept is None or kept[0] is not domain or kept[1] is not tracker or kept[2] is not last:
        kept = (domain, tracker, last, _replay(domain, tracker, omit_unset_slots))
        _replays[key] = kept
        while len(_replays) > REPLAYS_KEPT:
            _replays.popitem(last=False)
    return kept[3]


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


def install() -> None:
    """Replaces ``Domain.states_for_tracker_history`` (idempotent)."""
    Domain.states_for_tracker_history = states_for_tracker_history  # type: ignore[method-assign]
