"""``rasa`` with eepay's patches of Rasa installed, and skops' type tables built before Rasa
imports TensorFlow.

    .venv/bin/python -m addons.rasa_launcher run --model models/eepay.tar.gz ...

The Procfiles, tests and benchmarks start the Rasa server this way; it takes the same
arguments as the ``rasa`` command.

Patches: ``addons.serving.install_all`` runs once, before Rasa parses its arguments and so
before it builds any agent: the patches that wrap the agent (``addons.serving.sole_writer``)
must be in place when the server's agent is built, and the version check must stop a server
on an unreviewed Rasa before it serves anything (``RASA_PATCHES=off`` runs it unpatched).
Rasa's logging is set up first, so the line naming the installed patches is in the log.

skops: the intent classifier's model is stored with skops, and
``skops.io`` builds its table of trusted numpy and scipy types on import by looking each
function up in every loaded module (``skops.io._utils.whichmodule``). Imported where Rasa
first needs it, after TensorFlow has loaded some 5,700 modules (many of them lazy wrappers
that import more when looked into), that took about half of the server's cold start; imported
first it is quick, and builds the same table (tests/addons/serving/test_rasa_launcher.py).

JAX is kept out. TensorFlow 2.12 depends on it only for one TFLite conversion helper, which
it imports if it can (``tensorflow/lite/python/util.py``) and otherwise goes without; eepay
never converts models to TFLite. Importing it anyway cost start-up time, its XLA runtime's
memory, and a callback JAX adds to every garbage collection.
"""

from __future__ import annotations

import sys

import skops.io  # noqa: F401  (first: see above)

sys.modules.setdefault("jax", None)  # type: ignore[arg-type]  # "import jax" fails: see above

from rasa.__main__ import main  # noqa: E402  (after the two lines above)
from rasa.utils.io import configure_colored_logging  # noqa: E402

from addons import serving  # noqa: E402


def launch() -> None:
    """Installs the patches, then runs the ``rasa`` command line."""
    # Rasa's own set-up of the log (LOG_LEVEL, default INFO); main() repeats it with the
    # command's --debug / --quiet, replacing this handler
    configure_colored_logging(None)
    serving.install_all()
    main()


if __name__ == "__main__":
    launch()
