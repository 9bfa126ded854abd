from __future__ import annotations

import json
import math

from addons.serving import pooled_http
from service_kit import fast_json


def test_the_same_document_as_the_standard_library():
    event = {
        "event": "user",
        "timestamp": 1764245678.1234567,
        "text": "退款/x 🙂",
        "parse_data": {"intent": {"name": "request_refund", "confidence": 0.98765432101}},
        "metadata": {},
        "flags": [True, False, None, 0, -3],
    }
    text = fast_json.dumps(event)
    assert json.loads(text) == event
    assert text.isascii()  # non-ASCII escaped, as json.dumps does by default


def test_falls_back_to_the_standard_library_for_what_ujson_refuses():
    assert math.isnan(json.loads(fast_json.dumps({"x": math.nan}))["x"])
    # ujson refuses integers beyond 64 bits; the standard library writes them
    assert json.loads(fast_json.dumps({"big": 2**70})) == {"big": 2**70}


def test_action_server_calls_are_serialised_with_it():
    assert pooled_http.dumps is fast_json.dumps
