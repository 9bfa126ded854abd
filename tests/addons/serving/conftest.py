"""Fixtures of the serving-patch tests.

Each test installs the patches it exercises itself (``install_patches``), so the tests mean
the same whether or not anything else installed them, and puts Rasa's originals back after.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import ModuleType

import pytest

from addons.serving.patching import Patch


@pytest.fixture
def install_patches() -> Iterator[Callable[..., None]]:
    """Installs the given patch modules for one test; removes what it installed."""
    installed: list[Patch] = []

    def install(*modules: ModuleType) -> None:
        for module in modules:
            for patch in module.PATCHES:
                if not patch.installed:
                    patch.install()
                    installed.append(patch)

    yield install
    for patch in reversed(installed):
        patch.remove()
