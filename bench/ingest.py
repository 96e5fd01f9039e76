"""Section 1: ingest throughput with wrk, Backhaul's webhook endpoint beside the bare WSGI baseline."""

import re
import resource
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from bench.env import ROOT

WRK_THREADS = 2


@dataclass
class WrkResult:
    target: str
    connections: int
    seconds: float
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int  # socket errors + non-2xx answers
    wrapped: int = 0  # bodies re-sent after a thread's file ran out (duplicates)
    cpu_ms: dict[str, float] = field(default_factory=dict)  # CPU ms per request by role (bench/cpu.py)


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(text: str, *, target: str, connections: int, seconds: float) -> WrkResult:
    def latency(pct: str) -> float:
        found = re.search(rf"^\s*{pct}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
        return _ms(*found.groups()) if found else float("nan")

    requests = int(re.search(r"(\d+) requests in", text).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))  # type: ignore[union-attr]
    errors = 0
    if found := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text):
        errors += sum(int(n) for n in found.groups())
    if found := re.search(r"Non-2xx or 3xx responses: (\d+)", text):
        errors += int(found.group(1))
    wrapped = int(found.group(1)) if (found := re.search(r"BENCH_WRAPPED (\d+)", text)) else 0
    return WrkResult(target, connections, seconds, requests, rps, latency("50"), latency("99"), errors, wrapped)


def wrk_path() -> str:
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is not installed: `make bench` installs it (apt-get install wrk)")
    return found


def run_wrk(*, url: str, bodies_dir: Path, path: str, connections: int, seconds: float, target: str) -> WrkResult:
    from bench import cpu

    argv = [
        wrk_path(),
        f"-t{min(WRK_THREADS, connections)}",
        f"-c{connections}",
        f"-d{int(seconds)}s",
        "--latency",
        "--timeout",
        "10s",
        "-s",
        str(ROOT / "bench" / "wrk_post.lua"),
        url,
        "--",
        str(bodies_dir),
        path,
    ]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    with cpu.Meter() as meter:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=True)  # noqa: S603
    used = meter.totals
    # wrk has exited by now (gone from /proc): its CPU is in our reaped children's usage.
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used["load"] = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    result = parse_wrk(out.stdout, target=target, connections=connections, seconds=seconds)
    result.cpu_ms = cpu.per_item_ms(used, result.requests)
    return result
