"""Memory and CPU of processes, read from /proc (Linux; psutil is not a project dependency).

The Rasa server is measured as a process tree: the ``rasa run`` process and every descendant
(Sanic workers when SANIC_WORKERS > 1). :class:`TreeSampler` samples the tree's resident set
size and CPU time in a background thread while the load runs.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Optional

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> Optional[list[str]]:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            raw = handle.read()
    except OSError:
        return None
    # the command name is in parentheses and may contain spaces
    return raw[raw.rfind(")") + 2 :].split()


def children_map() -> dict[int, list[int]]:
    """Parent pid → child pids, for every process on the machine."""
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _stat_fields(int(entry))
        if fields:
            tree.setdefault(int(fields[1]), []).append(int(entry))
    return tree


def process_tree(root: int) -> list[int]:
    """``root`` and all its descendants that are alive now."""
    tree = children_map()
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        if os.path.exists(f"/proc/{pid}"):
            found.append(pid)
            todo.extend(tree.get(pid, []))
    return found


def rss_bytes(pid: int) -> int:
    """Resident set size of one process (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


def peak_rss_bytes(pid: int) -> int:
    """The kernel's high-water mark of one process's resident set (VmHWM)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far."""
    fields = _stat_fields(pid)
    if not fields:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def tree_rss(roots: Iterable[int]) -> int:
    """Resident set size of the process trees under ``roots``, summed."""
    return sum(rss_bytes(pid) for root in roots for pid in process_tree(root))


def tree_cpu(roots: Iterable[int]) -> float:
    """CPU seconds of the process trees under ``roots`` (living processes only)."""
    return sum(cpu_seconds(pid) for root in roots for pid in process_tree(root))


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores."""
    with open("/proc/stat", encoding="ascii") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    total = sum(values[:8])
    return (total - idle) / CLOCK_TICKS, total / CLOCK_TICKS


def load_average() -> tuple[float, float, float]:
    """The 1, 5 and 15 minute load averages."""
    with open("/proc/loadavg", encoding="ascii") as handle:
        one, five, fifteen = handle.read().split()[:3]
    return float(one), float(five), float(fifteen)


def pids_listening_on(port: int) -> list[int]:
    """Processes with a listening TCP socket on ``port`` (needs permission to read their fds)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as handle:
                next(handle)
                for line in handle:
                    parts = line.split()
                    local, state, inode = parts[1], parts[3], parts[9]
                    if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                        inodes.add(f"socket:[{inode}]")
        except OSError:
            continue
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fds = os.listdir(f"/proc/{entry}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{entry}/fd/{fd}") in inodes:
                    found.append(int(entry))
                    break
            except OSError:
                continue
    # keep only the top of each tree (Sanic workers share the parent's socket)
    tops = [pid for pid in found if int((_stat_fields(pid) or ["", "0"])[1]) not in found]
    return sorted(tops)


@dataclass
class TreeSampler:
    """Samples RSS (and CPU time) of process trees every ``interval`` seconds in a thread."""

    roots: list[int]
    interval: float = 0.2
    peak_rss: int = 0
    samples: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: Optional[threading.Thread] = None
    cpu_start: float = 0.0
    cpu_end: float = 0.0
    machine_start: tuple[float, float] = (0.0, 0.0)
    machine_end: tuple[float, float] = (0.0, 0.0)

    def __enter__(self) -> TreeSampler:
        self.cpu_start = tree_cpu(self.roots)
        self.machine_start = machine_cpu_seconds()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_rss = max(self.peak_rss, tree_rss(self.roots))
            self.samples += 1
            self._stop.wait(self.interval)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()
        self.peak_rss = max(self.peak_rss, tree_rss(self.roots))
        self.cpu_end = tree_cpu(self.roots)
        self.machine_end = machine_cpu_seconds()

    @property
    def cpu_used(self) -> float:
        """CPU seconds the trees used while sampling."""
        return max(0.0, self.cpu_end - self.cpu_start)

    @property
    def machine_busy_share(self) -> float:
        """Share of the machine's CPU capacity that was busy while sampling (all processes)."""
        busy = self.machine_end[0] - self.machine_start[0]
        total = self.machine_end[1] - self.machine_start[1]
        return busy / total if total > 0 else 0.0


def _probe_workload() -> int:
    """A fixed piece of interpreter work: dicts, strings, integers (what a server does)."""
    total = 0
    table: dict[str, int] = {}
    for number in range(20_000):
        key = f"k{number % 97}"
        table[key] = table.get(key, 0) + number
        total += len(key) * (number & 7)
    return total + sum(table.values())


def machine_speed(repeats: int = 9) -> float:
    """How fast this machine runs Python just now: probe workloads per CPU second, the best
    of ``repeats`` (the fastest run is the least disturbed). The machine's speed drifts by
    tens of percent over minutes; this tells the phases of a run apart."""
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time_ns()
        _probe_workload()
        best = min(best, time.process_time_ns() - start)
    return round(1e9 / max(best, 1), 1)
