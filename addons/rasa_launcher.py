"""``rasa`` with skops' type tables built before Rasa imports TensorFlow.

    .venv/bin/python -m addons.rasa_launcher run --model models/eepay.tar.gz ...

The Procfiles, tests and benchmarks start the Rasa server this way; it takes the same
arguments as the ``rasa`` command. The intent classifier's model is stored with skops, and
``skops.io`` builds its table of trusted numpy and scipy types on import by looking each
function up in every loaded module (``skops.io._utils.whichmodule``). Imported where Rasa
first needs it, after TensorFlow has loaded some 5,700 modules (many of them lazy wrappers
that import more when looked into), that took 7–9 s of a 13–21 s cold start; imported first it
takes under 2 s, and builds the same table (tests/addons/serving/test_rasa_launcher.py).

JAX is kept out. TensorFlow 2.12 depends on it only for one TFLite conversion helper, which
it imports if it can (``tensorflow/lite/python/util.py``) and otherwise goes without; eepay
never converts models to TFLite. Importing it anyway cost half a second of the cold start,
its XLA runtime's memory, and a callback JAX adds to every garbage collection.
"""

from __future__ import annotations

import sys

import skops.io  # noqa: F401  (first: see above)

sys.modules.setdefault("jax", None)  # type: ignore[arg-type]  # "import jax" fails: see above

from rasa.__main__ import main  # noqa: E402  (after the two lines above)

if __name__ == "__main__":
    main()
