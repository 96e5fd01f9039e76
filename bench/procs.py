"""Start the run's servers and workers in their own process groups; kill exactly those at the end."""

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from bench.env import ROOT

_started: list[subprocess.Popen] = []


def start(name: str, argv: list[str], *, env: dict[str, str], log_dir: Path) -> subprocess.Popen:
    """Popen in a new session (so its children die with it), output to log_dir/<name>.log."""
    log = (log_dir / f"{name}.log").open("ab")
    proc = subprocess.Popen(  # noqa: S603 - our own argv, no shell
        argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    proc.bench_name = name  # type: ignore[attr-defined]
    _started.append(proc)
    return proc


def stop(proc: subprocess.Popen, *, sig: int = signal.SIGTERM, timeout: float = 20.0) -> None:
    """Signal the process group (a gunicorn arbiter or celery parent and its children), then wait; KILL if needed."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # stragglers of the group
    if proc in _started:
        _started.remove(proc)


def stop_all() -> None:
    for proc in list(reversed(_started)):
        stop(proc, timeout=10)


atexit.register(stop_all)


def _on_signal(signum: int, frame: object) -> None:
    stop_all()
    raise SystemExit(128 + signum)


def install_signal_handlers() -> None:
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)


def wait_port(port: int, *, proc: subprocess.Popen | None = None, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{getattr(proc, 'bench_name', proc.args)} exited with {proc.returncode}")
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port} after {timeout:.0f}s")


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0
