"""CPU seconds used by each part of the run (web, worker, PostgreSQL, ...) between two snapshots.

Read from /proc (utime + stime of every process, by role), so a section can say where its CPU went
per request or per RMA: on a 2-core machine that, not waiting, is what bounds the throughput.
"""

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")
ROLES = ("web", "baseline", "worker", "postgres", "redis", "wms", "load", "bench")


def _role(pid: int, comm: str, cmdline: str) -> str | None:
    if pid == os.getpid():
        return "bench"  # the orchestrator: the open-loop sender's threads
    if "config.wsgi" in cmdline:
        return "web"
    if "baseline_app" in cmdline:
        return "baseline"
    if "wms_app" in cmdline:
        return "wms"
    if "celery" in cmdline and " worker" in cmdline:
        return "worker"
    if comm == "postgres":
        return "postgres"
    if comm == "redis-server":
        return "redis"
    if comm == "wrk":
        return "load"
    return None


@dataclass
class Snapshot:
    # (pid, start time) -> (role, cpu seconds); the start time tells a reused pid from the old process
    seconds: dict[tuple[int, int], tuple[str, float]] = field(default_factory=dict)


def snapshot() -> Snapshot:
    snap = Snapshot()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # exited meanwhile
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        role = _role(int(entry.name), comm, cmdline)
        if role is None:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        # utime, stime and starttime are fields 14, 15 and 22 of stat; fields[0] here is field 3.
        key = (int(entry.name), int(fields[19]))
        snap.seconds[key] = (role, (int(fields[11]) + int(fields[12])) / _TICK)
    return snap


def used(before: Snapshot, after: Snapshot) -> dict[str, float]:
    """CPU seconds per role between the snapshots (processes started in between count from zero)."""
    totals = dict.fromkeys(ROLES, 0.0)
    for key, (role, seconds) in after.seconds.items():
        start = before.seconds.get(key, (role, 0.0))[1]
        totals[role] += max(0.0, seconds - start)
    return totals


class Meter:
    """CPU used by role while the block runs. /proc is sampled every `interval` seconds in a thread,
    so a process that exits meanwhile still counts up to its last sample: PostgreSQL backends do,
    when Django closes a connection past CONN_MAX_AGE and opens a new one."""

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self.totals: dict[str, float] = {}
        self._stop = threading.Event()

    def __enter__(self) -> "Meter":
        self._before = snapshot()
        self._latest = dict(self._before.seconds)
        self._thread = threading.Thread(target=self._sample, name="cpu-meter", daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self._latest.update(snapshot().seconds)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._latest.update(snapshot().seconds)
        self.totals = used(self._before, Snapshot(self._latest))


def per_item_ms(totals: dict[str, float], items: int) -> dict[str, float]:
    return {role: seconds * 1000 / items for role, seconds in totals.items() if seconds > 0} if items else {}
