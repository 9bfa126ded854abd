"""RulePolicy's filter of the rules that may apply, narrowed first and stopped early.

Target: ``RulePolicy._get_possible_keys``.

Why: before every prediction Rasa checks every rule against the conversation's states from
the newest back, for every state of the session, reversing a copy of the rule's states for
each check; with eepay's rules that is a noticeable share of each turn.

Why it is equivalent: the same check runs on each rule's states reversed once (kept by rule),
and stops once every remaining rule is shorter than the states looked at (Rasa's check
passes every such rule from there on). Before that, the rules are narrowed to those whose
newest state may follow the conversation's last action (an index by the action name each
rule's newest state requires): Rasa's check rejects the others on that name alone. Tests
compare it with Rasa's filter for every prefix of the project's stories and rules.
"""

from __future__ import annotations

from typing import Any, Optional

from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import PREVIOUS_ACTION, SHOULD_NOT_BE_SET
from rasa.shared.core.domain import State
from rasa.shared.nlu.constants import ACTION_NAME

from addons.serving.patching import Patch

_reversed_rule_states: dict[str, tuple[dict[str, Any], ...]] = {}

# On each RulePolicy: id(rule lookup) -> (the lookup, its rules by the action their newest
# state must follow). Kept on the policy so that a reloaded model's policy drops it.
RULE_INDEX_ATTRIBUTE = "_eepay_rules_by_previous_action"


def _rule_states_newest_first(rule_key: str) -> tuple[dict[str, Any], ...]:
    rule = _reversed_rule_states.get(rule_key)
    if rule is None:
        rule = tuple(reversed(RulePolicy._rule_key_to_state(rule_key)))
        _reversed_rule_states[rule_key] = rule
    return rule


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


def get_possible_keys(self: RulePolicy, lookup: dict[str, str], states: list[State]) -> set[str]:
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


PATCH = Patch(
    "rasa.core.policies.rule_policy.RulePolicy._get_possible_keys",
    get_possible_keys,
    reviewed={
        "rasa.core.policies.rule_policy.RulePolicy._get_possible_keys": "7a85243f6463a2b9",
        "rasa.core.policies.rule_policy.RulePolicy._is_rule_applicable": "fb7349c12ff25aa7",
        "rasa.core.policies.rule_policy.RulePolicy._does_rule_match_state": "77fbcd8d5fc90323",
    },
)
PATCHES = (PATCH,)


def install() -> None:
    """Replaces Rasa's rule filter (idempotent)."""
    PATCH.install()
