"""JSON text of the documents the Rasa server writes on every turn, three times faster.

Each turn serialises its new events for the tracker store and again for the event broker, and
the tracker (and sometimes the domain) for every action-server call, so the encoder's speed
shows in every turn. ujson (already installed by Sanic) writes the same JSON up to spacing,
several times faster than the standard library (docs/performance.md).
What ujson refuses (integers beyond 64 bits, NaN) is written by the standard library, as before.
Reading stays with the standard library: it is rare (the tracker cache) and its float parsing
is the reference.
"""

from __future__ import annotations

import json
from typing import Any

import ujson


def dumps(document: Any) -> str:
    """JSON text of ``document``: ujson, or the standard library where ujson refuses it."""
    try:
        return ujson.dumps(document, escape_forward_slashes=False)
    except (TypeError, OverflowError, ValueError):
        return json.dumps(document)
