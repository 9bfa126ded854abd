"""``install_all`` installs every patch on the Rasa it was written for, refuses another Rasa
or a missing target (naming the patch), and with ``RASA_PATCHES=off`` installs only the
behaviour patch."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import rasa

from addons import serving
from addons.serving import domain_is_empty, patching, session_start


@pytest.fixture(autouse=True)
def restored() -> Iterator[None]:
    """Removes whatever a test installed, so other tests see Rasa as they left it."""
    patches = [patch for group in serving.all_patches().values() for patch in group]
    before = {id(patch): patch.installed for patch in patches}
    yield
    for patch in patches:
        if patch.installed and not before[id(patch)]:
            patch.remove()


def installed_modules() -> set[str]:
    return {
        name
        for name, patches in serving.all_patches().items()
        if all(patch.installed for patch in patches)
    }


def test_the_patches_were_written_for_the_installed_rasa() -> None:
    assert rasa.__version__ == serving.WRITTEN_FOR_RASA


def test_every_patch_is_installed_once_and_named_in_the_log(monkeypatch, caplog) -> None:
    monkeypatch.delenv("RASA_PATCHES", raising=False)
    with caplog.at_level(logging.INFO, logger="addons.serving"):
        names = serving.install_all()
        assert serving.install_all() == names  # idempotent
    assert set(names) == set(serving.SPEED_PATCHES + serving.BEHAVIOUR_PATCHES)
    assert installed_modules() == set(names)
    line = caplog.records[-1].getMessage()
    assert line.startswith(f"Rasa {rasa.__version__} patched: ") and "sole_writer" in line


def test_another_rasa_version_is_refused(monkeypatch) -> None:
    monkeypatch.delenv("RASA_PATCHES", raising=False)
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    with pytest.raises(serving.PatchMismatch, match="written for Rasa 3.6.21, this is Rasa 3.7.0"):
        serving.install_all()
    assert installed_modules() == set()


def test_a_missing_target_is_refused_naming_the_patch(monkeypatch) -> None:
    monkeypatch.delenv("RASA_PATCHES", raising=False)
    monkeypatch.setattr(domain_is_empty.PATCH, "original", patching._MISSING)
    missing = r"addons\.serving\.domain_is_empty: .*is_empty"
    with pytest.raises(serving.PatchMismatch, match=missing):
        serving.install_all()
    assert installed_modules() == set()  # all or nothing


def test_patches_off_runs_any_rasa_with_only_the_behaviour_patch(monkeypatch, caplog) -> None:
    monkeypatch.setenv("RASA_PATCHES", "off")
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    with caplog.at_level(logging.WARNING, logger="addons.serving"):
        assert serving.install_all() == ["session_start"]
    assert installed_modules() == {"session_start"}
    assert session_start.PATCH.installed
    assert "RASA_PATCHES=off" in caplog.text and "slower" in caplog.text


def test_an_unknown_switch_value_is_a_mistake(monkeypatch) -> None:
    monkeypatch.setenv("RASA_PATCHES", "maybe")
    with pytest.raises(ValueError, match="RASA_PATCHES"):
        serving.install_all()
