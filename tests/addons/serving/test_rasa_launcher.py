"""The launcher only changes when skops builds its trusted-type tables, not what they hold."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

TABLES = """
import json
from skops.io import _trusted_types as t
print(json.dumps({name: sorted(map(str, getattr(t, name))) for name in dir(t) if name.isupper()}))
"""


def _python(*arguments: str) -> str:
    """What a fresh interpreter of the project's venv prints, run with ``arguments``."""
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
    ).stdout


def _tables(first_import: str) -> dict[str, list[str]]:
    return json.loads(_python("-c", f"{first_import}\n{TABLES}").strip().splitlines()[-1])


def test_skops_tables_are_the_same_when_built_before_rasa():
    as_rasa_does = _tables("import rasa.core.run  # TensorFlow and the rest first")
    as_launched = _tables("import addons.rasa_launcher")
    assert as_launched == as_rasa_does
    assert len(as_launched["NUMPY_UFUNC_TYPE_NAMES"]) > 50


def test_the_launcher_is_the_rasa_command():
    help_text = _python("-m", "addons.rasa_launcher", "run", "--help")
    assert "--enable-api" in help_text and "--endpoints" in help_text


def test_the_launched_server_goes_without_jax():
    code = (
        "import addons.rasa_launcher, sys, gc\n"
        "import rasa.core.agent, rasa.core.run  # what `rasa run` imports\n"
        "tflite_util = sys.modules['tensorflow.lite.python.util']  # imported by TensorFlow\n"
        "print(tflite_util._xla_computation is None, 'jaxlib' in sys.modules,"
        " any('xla' in repr(c) for c in gc.callbacks))\n"
    )
    assert _python("-c", code).split() == ["True", "False", "False"]
