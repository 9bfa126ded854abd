"""Rasa's prediction graph run in one thread, in dependency order, without dask.

Target: ``DaskGraphRunner`` as ``rasa.core.processor`` sees it (the runner the server's
processor builds for the model); training keeps Rasa's runner.

Why: Rasa runs its prediction graph (the NLU pipeline for each message, the policies for each
action) through ``dask.get``: every run rebuilds the minimal schema for the targets, turns it
into a dask task graph, and lets dask's local scheduler order and dispatch the tasks. The graph
is small (about twenty nodes) and always runs synchronously in the server's thread, so that
machinery costs more than many of the nodes it runs.

Why it is equivalent: ``SequentialGraphRunner`` computes the same thing directly: the minimal
schema once per target set, then each needed node once, after the nodes it needs. Node
instances, inputs and outputs are exactly Rasa's (``DaskGraphRunner``), and errors surface as
the same ``GraphRunError``.
"""

from __future__ import annotations

from typing import Any, Optional

from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphSchema
from rasa.engine.runner.dask import DaskGraphRunner

from addons.serving.patching import Patch


class SequentialGraphRunner(DaskGraphRunner):
    """``DaskGraphRunner`` whose ``run`` evaluates the needed nodes in dependency order."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._schemas: dict[tuple[str, ...], GraphSchema] = {}

    def _schema_for(self, targets: list[str]) -> GraphSchema:
        key = tuple(targets)
        if key not in self._schemas:
            self._schemas[key] = self._graph_schema.minimal_graph_schema(targets)
        return self._schemas[key]

    def run(
        self,
        inputs: Optional[dict[str, Any]] = None,
        targets: Optional[list[str]] = None,
    ) -> dict[str, Any]:
        """Runs the graph for ``targets`` (all targets by default) with ``inputs``."""
        run_targets = targets if targets else self._graph_schema.target_names
        schema = self._schema_for(run_targets)
        # as in DaskGraphRunner: node outputs and inputs are (name, value) pairs
        results: dict[str, Any] = {}
        for name, value in (inputs or {}).items():
            if isinstance(value, str) and value in schema.nodes:
                raise GraphRunError(
                    f"Input value '{value}' clashes with a node name. Make sure that none of "
                    f"the input names passed to the `run` method are the same as node names "
                    f"in the graph schema."
                )
            results[name] = (name, value)

        def output_of(name: str) -> Any:
            if name in results:
                return results[name]
            node = schema.nodes.get(name)
            if node is None:  # dask passes a string that names no task through as it is
                return name
            arguments = [output_of(needed) for needed in node.needs.values()]
            results[name] = self._instantiated_nodes[name](*arguments)
            return results[name]

        try:
            return dict(output_of(target) for target in run_targets)
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error


PATCH = Patch(
    "rasa.core.processor.DaskGraphRunner",
    SequentialGraphRunner,
    reviewed={"rasa.engine.runner.dask.DaskGraphRunner": "c08b18a0d677dda9"},
)
PATCHES = (PATCH,)


def install() -> None:
    """Makes the server's processor build this runner (idempotent)."""
    PATCH.install()
