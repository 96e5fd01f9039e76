"""CPU seconds used by each part of the run (web, worker, PostgreSQL, ...) between two snapshots.

Read from /proc (utime + stime of every process, by role), so a section can say where its CPU went
per request or per RMA: on a 2-core machine that, not waiting, is what bounds the throughput.
"""

import os
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


def per_item_ms(totals: dict[str, float], items: int) -> dict[str, float]:
    return {role: seconds * 1000 / items for role, seconds in totals.items() if seconds > 0} if items else {}
