"""Changes to Rasa's own internals for serving, one module per patch, installed explicitly.

Each patch module names its target (the Rasa object it replaces), keeps the original, says
why the replacement exists and why it behaves as Rasa's does, and has ``install()``.
``install_all`` is called once by ``addons.rasa_launcher`` before Rasa builds the server's
agent; nothing installs a patch on import.

Speed patches (the product works without them, only slower):

* ``action_results`` — the action server's answers checked by shape, not JSON schema;
* ``action_domain`` — the domain sent to the action server without its responses;
* ``event_types`` — event classes looked up by name in a map;
* ``pooled_http`` — action-server calls over kept-alive connections;
* ``slot_copy`` — a slot's shallow copy made directly;
* ``tracker_copy`` — a tracker copied from its state, not by replaying its events;
* ``tracker_states`` — a conversation's dialogue states replayed once per prediction;
* ``rule_filter`` — RulePolicy's rule filter narrowed and stopped early;
* ``graph_runner`` — the prediction graph run in order, without dask;
* ``debug_log_copies`` — deep copies for debug logs made only while debug logging;
* ``domain_is_empty`` — ``Domain.is_empty`` without serialising two domains;
* ``model_gc`` — the loaded model frozen out of the cyclic garbage collector;
* ``sole_writer`` — the tracker store told when this server is its only writer.

Behaviour patch (installed even with ``RASA_PATCHES=off``; docs/upgrading-rasa.md says why):

* ``session_start`` — eepay's session start: paused while a ticket is open, without the
  per-conversation slots.

Not patches: ``patching`` (what a patch is), ``turn_gate`` (how many turns the server works on
at once, used by the channels and ``pooled_http``).

``RASA_PATCHES=off`` leaves Rasa's internals as they are except for the behaviour patch: the
escape hatch when a Rasa version the patches were not reviewed for must run
(docs/upgrading-rasa.md).
"""

from __future__ import annotations

import importlib
import logging
import os
from types import ModuleType

from addons.serving.patching import Patch

logger = logging.getLogger(__name__)

# The Rasa release every patch was reviewed against (tests/addons/serving/test_fingerprints.py).
WRITTEN_FOR_RASA = "3.6.21"

SPEED_PATCHES = (
    "action_results",
    "action_domain",
    "event_types",
    "pooled_http",
    "slot_copy",
    "tracker_copy",
    "tracker_states",
    "rule_filter",
    "graph_runner",
    "debug_log_copies",
    "domain_is_empty",
    "model_gc",
    "sole_writer",
)
BEHAVIOUR_PATCHES = ("session_start",)

SWITCH_VARIABLE = "RASA_PATCHES"
UPGRADE_GUIDE = "docs/upgrading-rasa.md"


class PatchMismatch(RuntimeError):
    """The installed Rasa is not the one the patches were written for."""


def patch_module(name: str) -> ModuleType:
    """The patch module ``addons.serving.<name>``."""
    return importlib.import_module(f"{__name__}.{name}")


def all_patches() -> dict[str, tuple[Patch, ...]]:
    """Every patch module's patches, by module name (speed patches first)."""
    return {name: patch_module(name).PATCHES for name in SPEED_PATCHES + BEHAVIOUR_PATCHES}


def speed_patches_enabled() -> bool:
    """``RASA_PATCHES``: "on" (the default) or "off"; any other value is a mistake."""
    value = os.environ.get(SWITCH_VARIABLE, "on").strip().lower() or "on"
    if value not in ("on", "off"):
        raise ValueError(f"{SWITCH_VARIABLE} must be 'on' or 'off', not {value!r}")
    return value == "on"


def install_all() -> list[str]:
    """Checks and installs the patches once, before Rasa builds its agent; returns the names
    of the patch modules installed.

    With the patches on, refuses (``PatchMismatch``) when the installed Rasa is not
    ``WRITTEN_FOR_RASA`` or a target no longer exists, naming the patch. With
    ``RASA_PATCHES=off`` only the behaviour patch is installed (its target still checked),
    and a warning says the server runs slower.
    """
    import rasa

    if speed_patches_enabled():
        if rasa.__version__ != WRITTEN_FOR_RASA:
            raise PatchMismatch(
                f"eepay's Rasa patches were written for Rasa {WRITTEN_FOR_RASA}, this is Rasa "
                f"{rasa.__version__}: review every patch in addons/serving ({UPGRADE_GUIDE}), "
                f"or start with {SWITCH_VARIABLE}=off to run Rasa unpatched (slower)"
            )
        names = SPEED_PATCHES + BEHAVIOUR_PATCHES
    else:
        names = BEHAVIOUR_PATCHES
        logger.warning(
            "%s=off: Rasa runs without eepay's speed patches (slower); installing only the "
            "behaviour patch(es) %s",
            SWITCH_VARIABLE,
            ", ".join(BEHAVIOUR_PATCHES),
        )
    modules = {name: patch_module(name) for name in names}
    problems = [
        f"addons.serving.{name}: {problem}"
        for name, module in modules.items()
        for patch in module.PATCHES
        if (problem := patch.problem())
    ]
    if problems:
        raise PatchMismatch(
            f"Rasa {rasa.__version__} does not have what these patches replace: "
            f"{'; '.join(problems)}. Review them ({UPGRADE_GUIDE})"
            + (f", or start with {SWITCH_VARIABLE}=off" if speed_patches_enabled() else "")
        )
    for module in modules.values():
        module.install()
    logger.info("Rasa %s patched: %s", rasa.__version__, ", ".join(names))
    return list(names)
