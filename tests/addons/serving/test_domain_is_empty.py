"""``Domain.is_empty`` answers as Rasa's."""

from pathlib import Path

import pytest

from addons.serving import domain_is_empty

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _installed(install_patches):
    install_patches(domain_is_empty)


def test_domain_emptiness_is_rasas():
    from rasa.shared.core.domain import Domain

    project = Domain.load(str(ROOT / "domain.yml"))
    intents_only = Domain.from_dict({"intents": ["greet"]})
    for domain in (project, Domain.empty(), intents_only):
        assert domain.is_empty() == (domain.as_dict() == Domain.empty().as_dict())
    assert not project.is_empty() and Domain.empty().is_empty()
