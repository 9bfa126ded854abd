"""The outbox of the desk client: requests the desk could not take yet, one file each.

A parked request is a JSON file in ``HANDOFF_OUTBOX_DIR`` (written to a temporary name and
renamed, so a reader never sees half a file). Handoffs keep their historic bare-payload form;
other requests name their path. A request the desk refuses for good, even after repair, moves
to ``rejected/`` beside them with the desk's answer: it is never deleted unseen.

Several worker processes of the action server share the directory. Only the holder of the
directory's lock (``fcntl.flock`` on ``.flush.lock``, taken without waiting) sends parked
requests, and it removes each file before it lets the lock go, so no two workers send the same
request. The lock is the kernel's: it is released if its holder dies.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from actions.clients.desk_repair import HANDOFFS_PATH

logger = logging.getLogger(__name__)

LOCK_NAME = ".flush.lock"
REJECTED_DIR = "rejected"


@dataclass(frozen=True)
class Parked:
    """One request waiting in the outbox."""

    file: Path
    path: str
    payload: dict[str, Any]


def _write_atomically(file: Path, entry: dict[str, Any]) -> None:
    temporary = file.with_suffix(".tmp")
    temporary.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
    temporary.replace(file)


def _entry(path: str, payload: dict[str, Any]) -> dict[str, Any]:
    return payload if path == HANDOFFS_PATH else {"path": path, "payload": payload}


def _mtime(file: Path) -> float:
    try:
        return file.stat().st_mtime
    except FileNotFoundError:  # sent and removed by the lock's holder meanwhile
        return float("inf")


class Outbox:
    """Parked requests in one directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def park(self, path: str, payload: dict[str, Any]) -> Path:
        """Keep a request for later; returns its file."""
        self.directory.mkdir(parents=True, exist_ok=True)
        file = self.directory / f"{uuid.uuid4().hex}.json"
        _write_atomically(file, _entry(path, payload))
        return file

    def pending(self) -> list[Path]:
        """Parked requests, oldest first."""
        if not self.directory.is_dir():
            return []
        return sorted(self.directory.glob("*.json"), key=_mtime)

    def read(self, file: Path) -> Optional[Parked]:
        """The parked request of ``file``; None if it is gone or unreadable (then moved aside)."""
        try:
            entry = json.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            self.reject_file(file, {"error": f"unreadable: {error}"})
            return None
        if isinstance(entry, dict) and "path" in entry and "payload" in entry:
            return Parked(file, str(entry["path"]), dict(entry["payload"]))
        return Parked(file, HANDOFFS_PATH, entry)

    def replace(self, parked: Parked, payload: dict[str, Any]) -> Parked:
        """Store a repaired payload in place of the parked one."""
        _write_atomically(parked.file, _entry(parked.path, payload))
        return Parked(parked.file, parked.path, payload)

    def remove(self, parked: Parked) -> None:
        """Forget a delivered request."""
        parked.file.unlink(missing_ok=True)

    def reject(self, path: str, payload: dict[str, Any], reason: dict[str, Any]) -> Path:
        """Keep a request the desk refused for good in ``rejected/`` with why."""
        folder = self.directory / REJECTED_DIR
        folder.mkdir(parents=True, exist_ok=True)
        file = folder / f"{uuid.uuid4().hex}.json"
        _write_atomically(file, {"path": path, "payload": payload, **reason})
        return file

    def reject_file(self, file: Path, reason: dict[str, Any]) -> None:
        """Move a parked file the desk refused for good (or that cannot be read) aside."""
        folder = self.directory / REJECTED_DIR
        folder.mkdir(parents=True, exist_ok=True)
        try:
            file.replace(folder / file.name)
        except FileNotFoundError:
            return
        logger.error("outbox request set aside", extra={"file": file.name, **reason})

    @contextmanager
    def flush_lock(self) -> Iterator[bool]:
        """Whether this caller holds the directory's send lock (True) or another does (False)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(descriptor, fcntl.LOCK_UN)
        finally:
            os.close(descriptor)
