"""The Rasa server runs the channels and the addons, never the action server's code.

The action server is a separate process with its own clients; if a channel or an addon imported
``actions``, a change there would silently become part of the Rasa process too.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

IMPORT_EVERYTHING_THE_RASA_SERVER_LOADS = textwrap.dedent(
    """
    import importlib
    import pkgutil
    import sys

    for package_name in ("channels", "addons"):
        package = importlib.import_module(package_name)
        for module in pkgutil.walk_packages(package.__path__, prefix=package_name + "."):
            importlib.import_module(module.name)
    print("actions modules:", *sorted(m for m in sys.modules if m.split(".")[0] == "actions"))
    """
)


def test_channels_and_addons_import_no_action_server_module():
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING_THE_RASA_SERVER_LOADS],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = result.stdout.splitlines()[-1]
    assert report == "actions modules:", f"the Rasa server would import {report}"
