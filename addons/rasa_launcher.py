"""``rasa`` with skops' type tables built before Rasa imports TensorFlow.

    .venv/bin/python -m addons.rasa_launcher run --model models/eepay.tar.gz ...

The Procfiles, tests and benchmarks start the Rasa server this way; it takes the same
arguments as the ``rasa`` command. The intent classifier's model is stored with skops, and
``skops.io`` builds its table of trusted numpy and scipy types on import by looking each
function up in every loaded module (``skops.io._utils.whichmodule``). Imported where Rasa
first needs it, after TensorFlow has loaded some 5,700 modules (many of them lazy wrappers
that import more when looked into), that took 7–9 s of a 13–21 s cold start; imported first it
takes under 2 s, and builds the same table (tests/addons/test_rasa_launcher.py).
"""

from __future__ import annotations

import skops.io  # noqa: F401  (first: see above)
from rasa.__main__ import main

if __name__ == "__main__":
    main()
