"""What a patch of Rasa is: the Rasa object it replaces, the saved original, the replacement,
and the Rasa sources it was reviewed against.

A patch replaces one attribute of a Rasa class or module (its *target*, a dotted name such as
``rasa.core.agent.Agent.load_model``). Each patch module of ``addons.serving`` declares its
patches with ``Patch``; ``addons.serving.install_all`` checks and installs them.

A replacement mirrors Rasa code that Rasa may change in any release, and nothing in Python
says so when it does: a renamed target would leave the patch replacing nothing, and a
rewritten method would lose its upstream fix under our copy. So every patch records a
fingerprint of each Rasa source it mirrors (``reviewed``), taken when it was last reviewed;
tests/addons/serving/test_fingerprints.py compares them with the installed Rasa, and
docs/upgrading-rasa.md says how to review a patch whose fingerprint changed.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import inspect
import textwrap
from collections.abc import Mapping
from typing import Any

_MISSING = object()


def _owner_and_name(dotted: str) -> tuple[Any, str]:
    """The object holding the last part of ``dotted``, and that part's name.

    The longest importable prefix is the module; the parts after it are attributes.
    """
    parts = dotted.split(".")
    for split in range(len(parts) - 1, 0, -1):
        try:
            owner: Any = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for part in parts[split:-1]:
            owner = getattr(owner, part)
        return owner, parts[-1]
    raise ImportError(f"no module in {dotted!r}")


def resolve(dotted: str) -> Any:
    """The object a dotted name names (a module, class, function or attribute)."""
    try:
        return importlib.import_module(dotted)
    except ImportError:
        owner, name = _owner_and_name(dotted)
        return getattr(owner, name)


def fingerprint(source_object: Any) -> str:
    """A short hash of an object's code, blind to comments, docstrings and layout, so that
    only a change of what the code does changes it."""
    if isinstance(source_object, (staticmethod, classmethod)):
        source_object = source_object.__func__
    tree = ast.parse(textwrap.dedent(inspect.getsource(source_object)))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return hashlib.sha256(ast.unparse(tree).encode()).hexdigest()[:16]


class Patch:
    """One replaced (or added) attribute of a Rasa class or module.

    ``target``: the dotted name of the Rasa attribute replaced.
    ``replacement``: the object put there, exactly as stored on the owner (a ``staticmethod``
    for a static method).
    ``reviewed``: dotted name → fingerprint of each Rasa source the replacement mirrors or
    relies on, as recorded at the last review; the target's name stands for its original.
    ``adds``: the target is not in Rasa (the patch adds it); its owner must not define it.
    """

    def __init__(
        self,
        target: str,
        replacement: Any,
        reviewed: Mapping[str, str],
        adds: bool = False,
    ) -> None:
        self.target = target
        self.replacement = replacement
        self.reviewed = dict(reviewed)
        self.adds = adds
        try:
            self._owner, self._name = _owner_and_name(target)
        except (ImportError, AttributeError):
            self._owner, self._name = None, target.rsplit(".", 1)[-1]
        # the saved original, as stored on the owner (so a static method stays one)
        self.original: Any = (
            _MISSING if self._owner is None else vars(self._owner).get(self._name, _MISSING)
        )
        if self.original is self.replacement:  # the module was imported after an install
            raise RuntimeError(f"{target}: the original was saved after the patch was installed")

    def problem(self) -> str | None:
        """Why the patch cannot be installed on this Rasa, or None."""
        if self._owner is None:
            return f"{self.target}: its class or module no longer exists"
        if self.adds and self.original is not _MISSING:
            return f"{self.target}: Rasa now defines it itself"
        if not self.adds and self.original is _MISSING:
            return f"{self.target}: no longer exists"
        return None

    @property
    def installed(self) -> bool:
        """Whether the replacement is in place."""
        return self._owner is not None and vars(self._owner).get(self._name) is self.replacement

    def install(self) -> None:
        """Puts the replacement in place (idempotent)."""
        problem = self.problem()
        if problem:
            raise RuntimeError(problem)
        setattr(self._owner, self._name, self.replacement)

    def remove(self) -> None:
        """Puts Rasa's original back (for tests that compare both)."""
        if self._owner is None:
            return
        if self.original is _MISSING:
            if self._name in vars(self._owner):
                delattr(self._owner, self._name)
        else:
            setattr(self._owner, self._name, self.original)

    def current_fingerprints(self) -> dict[str, str]:
        """The fingerprint of each reviewed source in the Rasa installed now."""
        current = {}
        for name in self.reviewed:
            source = self.original if name == self.target else resolve(name)
            current[name] = fingerprint(source)
        return current

    def __repr__(self) -> str:
        return f"Patch({self.target!r})"
