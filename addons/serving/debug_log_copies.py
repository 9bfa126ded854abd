"""Deep copies that only feed debug-log calls made only while debug logging is on.

Targets: ``copy`` in ``rasa.core.processor``, ``rasa.core.actions.forms``,
``rasa.core.policies.rule_policy`` and ``rasa.core.policies.memoization``.

Why: those four modules deep-copy the policy states, prediction events, parse data and slot
candidates of every turn as arguments of ``structlogger.debug`` calls, and the server's INFO
log then drops them: a deep copy of large structures on every turn, for nothing.

Why it is equivalent: in those modules ``copy.deepcopy`` is only ever a debug-log argument
(tests/addons/serving/test_debug_log_copies.py reads their source to keep it so), so there the
module name ``copy`` is given a stand-in whose ``deepcopy`` copies only while debug logging is
on (``rasa run --debug`` logs exactly what it did before); every other name is the real
``copy`` module's.
"""

from __future__ import annotations

import copy
from types import ModuleType
from typing import Any, Optional

import rasa.core.actions.forms
import rasa.core.policies.memoization
import rasa.core.policies.rule_policy
import rasa.core.processor
import structlog

from addons.serving.patching import Patch

# Rasa modules in which every ``copy.deepcopy(...)`` is an argument of ``structlogger.debug``,
# with the fingerprint of each module's source when that was last reviewed.
_REVIEWED_MODULES: dict[ModuleType, str] = {
    rasa.core.processor: "b142b7a9f2831625",
    rasa.core.actions.forms: "b4ef07e7265dc1d4",
    rasa.core.policies.rule_policy: "0c18fd38bc7c58ff",
    rasa.core.policies.memoization: "131596318cbbfbaa",
}
DEBUG_LOG_COPY_MODULES = tuple(_REVIEWED_MODULES)


def debug_logging_enabled() -> bool:
    """Whether structlog's debug calls log anything (Rasa's filtering logger makes them a
    no-op function named ``_nop`` below DEBUG); True when in doubt."""
    debug = getattr(structlog.get_config().get("wrapper_class"), "debug", None)
    return getattr(debug, "__name__", "") != "_nop"


class DebugLogCopies(ModuleType):
    """The ``copy`` module as those Rasa modules see it: ``deepcopy`` copies only while debug
    logging is on, since its result is then only a debug-log argument."""

    def __init__(self) -> None:
        super().__init__("copy")

    @staticmethod
    def deepcopy(value: Any, memo: Optional[dict[int, Any]] = None) -> Any:
        """``copy.deepcopy`` while debug logging is on, else the value itself."""
        return copy.deepcopy(value, memo) if debug_logging_enabled() else value

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


_DEBUG_LOG_COPIES = DebugLogCopies()

PATCHES = tuple(
    Patch(f"{module.__name__}.copy", _DEBUG_LOG_COPIES, reviewed={module.__name__: recorded})
    for module, recorded in _REVIEWED_MODULES.items()
)


def install() -> None:
    """Gives the four modules the stand-in ``copy`` (idempotent)."""
    for patch in PATCHES:
        patch.install()
