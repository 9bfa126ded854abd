"""One transcript as a file: JSON (the ticket and every turn) or CSV (one row per turn).

The CSV is UTF-8 with a byte-order mark so spreadsheet programs read the Chinese correctly,
and cells that a spreadsheet would run as a formula (starting with = + - @ or a tab) get a
leading apostrophe (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from desk.schemas.handoff import HandoffDetail

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = ("time", "sender", "agent_name", "text")


def as_json(detail: HandoffDetail, exported_at: str) -> str:
    """The ticket and its transcript as pretty-printed JSON."""
    ticket = detail.dict(exclude={"transcript", "notes", "history", "transcript_live"})
    document: dict[str, Any] = {
        "exported_at": exported_at,
        "ticket": ticket,
        "transcript": [turn.dict() for turn in detail.transcript],
    }
    return json.dumps(document, ensure_ascii=False, indent=2, default=_iso)


def _iso(value: Any) -> str:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def as_csv(detail: HandoffDetail) -> str:
    """The transcript, one row per turn, with a header row (and a BOM)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for turn in detail.transcript:
        writer.writerow(
            [
                _cell(turn.time.isoformat()),
                _cell(turn.sender.value),
                _cell(turn.agent_name),
                _cell(turn.text),
            ]
        )
    return "\ufeff" + buffer.getvalue()
