"""A stand-in WMS speaking ShipMonk's returns API, with a set latency, that records when each RMA arrives.

Run under gunicorn (gthread, many threads: the latency is a sleep, not work). A base URL ending in
`/latency/<ms>` sets another latency for the requests under it. Each process appends
`<rma number>\t<unix time>` to $BENCH_WORK_DIR/wms-arrivals-<pid>.tsv when a create request arrives,
before the latency, so end-to-end times end at the WMS's door.
"""

import itertools
import json
import os
import threading
import time
from pathlib import Path

LATENCY = float(os.environ.get("BENCH_WMS_LATENCY_MS", "20")) / 1000
_OUT = Path(os.environ.get("BENCH_WORK_DIR", "/tmp")) / f"wms-arrivals-{os.getpid()}.tsv"  # noqa: S108
_lock = threading.Lock()
_ids = itertools.count(100000)
_file = None


def _record(number: str, at: float) -> None:
    global _file
    with _lock:
        if _file is None:
            _file = _OUT.open("a", buffering=1)
        _file.write(f"{number}\t{at:.6f}\n")


def _json(start_response, status: str, data: object) -> list[bytes]:  # type: ignore[no-untyped-def]
    body = json.dumps(data).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def _latency(path: str) -> float:
    """BENCH_WMS_LATENCY_MS, or the milliseconds a `/latency/<ms>/...` path prefix asks for."""
    if path.startswith("/latency/"):
        return int(path.split("/")[2]) / 1000
    return LATENCY


def application(environ, start_response):  # type: ignore[no-untyped-def]
    arrived = time.time()
    path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
    latency = _latency(path)
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    if path.endswith("/v1/integrations/returns") and method == "POST":
        number = str(json.loads(raw or b"{}").get("rma", ""))
        _record(number, arrived)
        time.sleep(latency)
        return _json(start_response, "200 OK", {"status": 200, "data": {"message": "Return created", "id": next(_ids)}})
    if path.endswith("/v1/integrations/returns-list"):
        time.sleep(latency)
        return _json(start_response, "200 OK", {"status": 200, "data": {"returns_list": []}})
    if path.endswith("/v1/integrations/warehouses"):
        return _json(start_response, "200 OK", {"data": [{"id": "wh_ca1", "code": "CA1", "name": "Ontario, CA"}]})
    return _json(start_response, "404 Not Found", {"error": "not found"})


def arrivals(work_dir: Path) -> dict[str, float]:
    """Every RMA number seen at the WMS with its first arrival time."""
    seen: dict[str, float] = {}
    for path in work_dir.glob("wms-arrivals-*.tsv"):
        for line in path.read_text().splitlines():
            number, _, at = line.partition("\t")
            if number and at:
                seen.setdefault(number, float(at))
                seen[number] = min(seen[number], float(at))
    return seen


def reset(work_dir: Path) -> None:
    for path in work_dir.glob("wms-arrivals-*.tsv"):
        path.write_text("")
