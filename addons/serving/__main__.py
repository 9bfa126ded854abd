"""Lists each patch with the fingerprints of the Rasa sources it was reviewed against.

    .venv/bin/python -m addons.serving

For each patch module: its targets, then each reviewed Rasa source with its recorded and
current fingerprint ("changed" where they differ). After reviewing a patch against a new
Rasa (docs/upgrading-rasa.md), copy the current values into its ``reviewed`` mapping.
"""

from __future__ import annotations

import rasa

from addons.serving import WRITTEN_FOR_RASA, all_patches


def report() -> str:
    """The fingerprint report, one line per reviewed source."""
    lines = [f"patches written for Rasa {WRITTEN_FOR_RASA}; installed Rasa {rasa.__version__}"]
    for module, patches in all_patches().items():
        lines.append(f"addons.serving.{module}")
        for patch in patches:
            problem = patch.problem()
            lines.append(f"  target {patch.target}" + (f"  ({problem})" if problem else ""))
            for name, now in patch.current_fingerprints().items():
                recorded = patch.reviewed[name]
                state = "same" if now == recorded else f"changed, recorded {recorded!r}"
                lines.append(f'    "{name}": "{now}",  # {state}')
    return "\n".join(lines)


if __name__ == "__main__":
    print(report())
