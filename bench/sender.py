"""A paced, open-loop webhook sender (end to end, backlog): bounded in count, 127.0.0.1 only."""

import http.client
import queue
import threading
import time
from dataclasses import dataclass


@dataclass
class Sent:
    key: str
    scheduled: float
    accepted: float  # unix time the 2xx answer arrived (the webhook is stored and queued)
    status: int


def send(
    *,
    port: int,
    path: str,
    items: list[tuple[str, str, bytes]],
    rate: float | None,
    threads: int = 16,
    timeout: float = 30.0,
) -> list[Sent]:
    """POST each (key, signature, body) once; `rate` per second (open loop), or as fast as `threads` allow."""
    jobs: queue.Queue = queue.Queue()
    results: list[Sent] = []
    lock = threading.Lock()

    def worker() -> None:
        while True:
            job = jobs.get()
            if job is None:
                return
            key, signature, body, scheduled = job
            status = 0
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
                headers = {"Content-Type": "application/json", "X-Loop-Signature": signature}
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                conn.close()
            except OSError:
                status = -1
            done = time.time()
            with lock:
                results.append(Sent(key, scheduled, done, status))

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    start = time.time()
    for i, (key, signature, body) in enumerate(items):
        scheduled = start + i / rate if rate else time.time()
        if rate:
            delay = scheduled - time.time()
            if delay > 0:
                time.sleep(delay)
        jobs.put((key, signature, body, scheduled))
    for _ in pool:
        jobs.put(None)
    for thread in pool:
        thread.join(timeout=timeout + 60)
    return results
