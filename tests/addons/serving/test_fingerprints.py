"""Every patch still mirrors the Rasa code it was reviewed against.

A patch replaces Rasa code with eepay's equivalent; when Rasa changes that code, the patch
must be reviewed (docs/upgrading-rasa.md). Each patch records a fingerprint of every Rasa
source it mirrors; a difference here names the patch and the source to review.
"""

from __future__ import annotations

import importlib.util

import pytest

from addons import serving
from addons.serving.patching import Patch, fingerprint, resolve

PATCHES = [
    (module, patch) for module, patches in serving.all_patches().items() for patch in patches
]


@pytest.mark.parametrize(("module", "patch"), PATCHES, ids=lambda value: str(value))
def test_the_rasa_code_a_patch_mirrors_has_not_changed(module: str, patch: Patch) -> None:
    assert patch.problem() is None, f"addons.serving.{module}: {patch.problem()}"
    changed = {
        name: (recorded, now)
        for name, now in patch.current_fingerprints().items()
        if now != (recorded := patch.reviewed[name])
    }
    assert not changed, (
        f"Rasa changed code that addons.serving.{module} mirrors: "
        + "; ".join(f"{name} (recorded {old}, now {new})" for name, (old, new) in changed.items())
        + ". Review the patch as docs/upgrading-rasa.md says, then record the new fingerprints"
        " (.venv/bin/python -m addons.serving)."
    )


@pytest.mark.parametrize(("module", "patch"), PATCHES, ids=lambda value: str(value))
def test_a_patch_reviews_what_it_replaces(module: str, patch: Patch) -> None:
    """The replaced Rasa object is fingerprinted: itself, under the name it is defined by, or
    with the class or module that holds it (an added attribute, a module's global)."""
    assert (
        patch.target in patch.reviewed
        or any(patch.target.startswith(f"{name}.") for name in patch.reviewed)
        or any(resolve(name) is patch.original for name in patch.reviewed)
    ), f"addons.serving.{module}: {patch.target} is not among its reviewed sources"


def test_a_fingerprint_sees_code_changes_only(tmp_path) -> None:
    variants = {
        "original": "def f(x):\n    return x + 1\n",
        "reworded": 'def f(x):\n    """Adds one."""\n    # why\n    return (x +\n        1)\n',
        "changed": "def f(x):\n    return x + 2\n",
    }
    functions = {}
    for name, source in variants.items():
        path = tmp_path / f"fingerprinted_{name}.py"
        path.write_text(source)
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        functions[name] = module.f
    assert fingerprint(functions["original"]) == fingerprint(functions["reworded"])
    assert fingerprint(functions["original"]) != fingerprint(functions["changed"])


def test_every_patch_module_is_listed_once() -> None:
    names = serving.SPEED_PATCHES + serving.BEHAVIOUR_PATCHES
    assert len(names) == len(set(names))
    targets = [patch.target for _, patch in PATCHES]
    assert len(targets) == len(set(targets)), "two patches replace the same Rasa object"
