"""RulePolicy's narrowed filter keeps the rules Rasa's filter keeps."""

from pathlib import Path

import pytest

from addons.serving import rule_filter, tracker_states

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _installed(install_patches):
    install_patches(rule_filter)


def test_rule_keys_are_rasas(story_trackers):
    """Every story and rule, cut after each action, against the trained model's rules."""
    import json
    import tarfile

    from rasa.core.policies.rule_policy import RulePolicy

    with tarfile.open(ROOT / "models" / "eepay.tar.gz") as model:
        member = next(m for m in model.getmembers() if m.name.endswith("rule_policy.json"))
        lookup = json.load(model.extractfile(member))["lookup"]
    policy = object.__new__(RulePolicy)  # the filter uses no trained state but the lookup
    domain, trackers = story_trackers
    checked = 0
    for tracker in trackers[:80]:
        states = tracker_states.rasa_states_for_tracker_history(domain, tracker)
        for end in range(1, len(states) + 1):
            for table in ("rules", "rules_for_loop_unhappy_path"):
                ours = policy._get_possible_keys(lookup[table], states[:end])
                assert ours == rule_filter.PATCH.original(policy, lookup[table], states[:end])
                checked += bool(ours)
    assert checked > 100  # many prefixes do match rules
    # the index lives on the policy: a reloaded model's new policy starts its own
    assert set(vars(policy)[rule_filter.RULE_INDEX_ATTRIBUTE]) == {
        id(lookup["rules"]),
        id(lookup["rules_for_loop_unhappy_path"]),
    }
    assert rule_filter.RULE_INDEX_ATTRIBUTE not in vars(object.__new__(RulePolicy))
