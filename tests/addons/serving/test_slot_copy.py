"""A slot's direct copy is what ``copy.copy`` made."""

import copy

import pytest

from addons.serving import slot_copy


@pytest.fixture(autouse=True)
def _installed(install_patches):
    install_patches(slot_copy)


def test_slot_copies_are_what_copy_made(story_trackers):
    domain, _ = story_trackers
    for slot in domain.slots:
        ours = copy.copy(slot)
        assert type(ours) is type(slot) and ours is not slot
        assert ours.__dict__ == copy.deepcopy(slot).__dict__
        ours.value = "changed"
        assert slot.value != "changed"
