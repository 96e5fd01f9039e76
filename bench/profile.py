"""`python -m bench.profile`: where the CPU of one return goes, path by path, in this process (issue 25).

With production settings on a bench database (as `make bench`), it runs N returns through the three paths a
return takes, each measured alone in this one process, so the numbers are its own CPU (PostgreSQL's and Redis's
are not in them; `make bench` measures those):

- ingest: the webhook endpoint through Django's WSGI handler, as gunicorn calls it (a signed Loop return);
- process: the webhook task's service, webhook_process (parse, upsert the return, plan the RMA, publish);
- push: rma_push against bench/wms_app.py under gunicorn (no latency).

For each it writes CPU microseconds per item (`time.process_time`, without the profiler), statements per item,
and a cProfile of the same work (top functions by own time and by cumulative time) to bench/results/profile-*.txt.
`--callgrind N` instead counts instructions (valgrind's callgrind, stable on a busy machine where CPU time is not):
for each path a child process runs under valgrind, makes its own inputs (ingest → process → push up to the
path, not counted), warms up, and counts the instructions of N items of that path only (callgrind is zeroed on
entering getppid() and dumps on entering getpgrp(), which the child calls around the counted loop).
The counts go to bench/results/icount-<tag>.txt.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import procs
from bench.env import ROOT, VENV_BIN, WMS_PORT, BenchEnv

RESULTS = ROOT / "bench" / "results"


def _environ(path: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    """What gunicorn hands the WSGI application for one POST."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
        "HTTP_HOST": "127.0.0.1",
    }
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def _measure(
    name: str,
    items: list[Any],
    work: Callable[[Any], None],
    *,
    profile_share: float = 0.5,
    callers: tuple[str, ...] = (),
) -> str:
    """CPU per item and statements per item over the first part of `items`, a cProfile over the rest."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cut = int(len(items) * (1 - profile_share))
    first, timed, profiled = items[0], items[1:cut], items[cut:]
    with CaptureQueriesContext(connection) as first_queries:  # one item's statements, listed in the report
        work(first)
    with CaptureQueriesContext(connection) as queries:
        started = time.process_time()
        for item in timed:
            work(item)
        cpu = time.process_time() - started
    profiler = cProfile.Profile(time.process_time)  # CPU, not the time spent waiting on PostgreSQL or Redis
    profiler.enable()
    for item in profiled:
        work(item)
    profiler.disable()
    out = io.StringIO()
    out.write(f"# {name}: {len(timed)} items timed, {len(profiled)} profiled\n")
    out.write(f"CPU per item: {cpu / len(timed) * 1e6:.0f} µs (this process only)\n")
    out.write(f"statements per item: {len(queries) / len(timed):.1f}\n\n")
    out.write(f"## the statements of one item ({len(first_queries)})\n")
    for number, query in enumerate(first_queries, 1):
        out.write(f"{number:>3}. {query['sql'][:400]}\n")
    out.write("\n")
    for key in ("tottime", "cumulative"):
        stats = pstats.Stats(profiler, stream=out)
        out.write(f"## by {key}\n")
        stats.sort_stats(key).print_stats(35)
    for pattern in callers:  # who calls a function the tables show (--callers)
        out.write(f"## callers of {pattern}\n")
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_callers(pattern)
    return out.getvalue()


WARM = 20  # items each child runs before counting: caches, compiled regexes, the broker and database connections


def _child(path: str, count: int, wiring_json: str) -> None:
    """Under valgrind: make the inputs of `path`, warm up, then run `count` items between getppid() and getpgrp()."""
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    from bench import data
    from integrations.models import InboundWebhook
    from integrations.services.webhooks import webhook_process
    from returns.models import RMA
    from returns.services.rmas.push import rma_push

    wiring = data.Wiring(**json.loads(wiring_json))
    handler = WSGIHandler()
    prefix = f"c{path}{os.getpid()}n"

    def ingest(number: int) -> None:
        body = data.return_body(return_id=f"{prefix}{number}", order_name=f"#{prefix}{number}", lines=2)
        environ = _environ(wiring.endpoint_path, body, {"X-Loop-Signature": data.sign(wiring.loop_secret, body)})
        handler(environ, lambda status, headers: None)

    total = WARM + count
    bodies = list(range(total))
    if path == "ingest":
        items: list[Any] = bodies
        work: Callable[[Any], None] = ingest
    else:
        for number in bodies:
            ingest(number)
        webhooks = InboundWebhook.objects.filter(status="pending")
        pending = list(webhooks.order_by("pk").values_list("pk", flat=True))[-total:]
        if path == "process":
            items, work = pending, lambda pk: webhook_process(webhook_id=pk)
        else:
            for pk in pending:
                webhook_process(webhook_id=pk)
            rmas = RMA.objects.filter(status="pending", number__startswith=prefix)
            items = list(rmas.order_by("pk").values_list("pk", flat=True))
            work = lambda pk: rma_push(rma_id=pk)  # noqa: E731
    for item in items[:WARM]:
        work(item)
    measured = items[WARM:]
    os.getppid()  # callgrind: --zero-before=getppid
    for item in measured:
        work(item)
    os.getpgrp()  # callgrind: --dump-before=getpgrp
    sys.stdout.write(f"counted {len(measured)}\n")


def _callgrind(path: str, count: int, wiring: Any, out_dir: Path) -> tuple[int, int]:
    """Instructions per item of `path` in a child under callgrind, and the items counted."""
    out = out_dir / f"callgrind.{path}"
    argv = [
        "valgrind",
        "--tool=callgrind",
        f"--callgrind-out-file={out}",
        "--zero-before=getppid",
        "--dump-before=getpgrp",
        str(VENV_BIN / "python"),
        "-m",
        "bench.profile",
        "--child",
        path,
        "--returns",
        str(count),
        "--wiring",
        json.dumps(wiring.__dict__),
    ]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    counted = re.search(r"counted (\d+)", done.stdout)
    if done.returncode or not counted:
        raise RuntimeError(f"callgrind child {path} failed: {done.stdout[-2000:]}{done.stderr[-4000:]}")
    dumped = (out_dir / f"callgrind.{path}.1").read_text(errors="replace")
    total = re.search(r"^summary: (\d+)", dumped, re.M) or re.search(r"^totals: (\d+)", dumped, re.M)
    if total is None:
        raise RuntimeError(f"no instruction count in {out}.1")
    return int(total.group(1)), int(counted.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--returns", type=int, default=400)
    parser.add_argument("--paths", default="ingest,process,push")
    parser.add_argument("--tag", default="", help="added to the result files' names (before / after)")
    parser.add_argument("--callers", default="", help="comma-separated regexes: also list who calls these functions")
    parser.add_argument("--callgrind", type=int, default=0, help="count instructions of this many items per path")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    parser.add_argument("--wiring", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.returns, args.wiring)
        return 0
    from bench.__main__ import db_drop, db_recreate, gunicorn, redis_flush

    work = Path(tempfile.mkdtemp(prefix="backhaul-profile-"))
    benv = BenchEnv(work_dir=work)
    env = benv.full()
    procs.install_signal_handlers()
    db_recreate()
    redis_flush()
    RESULTS.mkdir(parents=True, exist_ok=True)
    try:
        benv.apply()
        os.environ["LOG_LEVEL"] = "ERROR"
        import django

        django.setup()
        from django.core.handlers.wsgi import WSGIHandler
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from bench import data
        from integrations.models import InboundWebhook
        from integrations.services.webhooks import webhook_process
        from returns.models import RMA
        from returns.services.rmas.push import rma_push

        wiring = data.store_create()
        handler = WSGIHandler()
        paths = set(args.paths.split(","))
        suffix = f"-{args.tag}" if args.tag else ""
        if args.callgrind:
            if "push" in paths:
                gunicorn("wms", "bench.wms_app:application", WMS_PORT, {**env, "BENCH_WMS_LATENCY_MS": "0"}, work)
            lines = [f"# instructions per item (callgrind, {args.callgrind} items after {WARM} warm-up), {suffix[1:]}"]
            for path in ("ingest", "process", "push"):
                if path in paths:
                    instructions, counted = _callgrind(path, args.callgrind, wiring, work)
                    lines.append(f"{path}: {instructions / counted / 1e6:.2f} M instructions per item")
                    sys.stdout.write(lines[-1] + "\n")
            (RESULTS / f"icount{suffix}.txt").write_text("\n".join(lines) + "\n")
            return 0
        callers = tuple(pattern for pattern in args.callers.split(",") if pattern)

        def ingest(number: int) -> None:
            body = data.return_body(return_id=f"p{number}", order_name=f"#P{number}", lines=2)
            environ = _environ(wiring.endpoint_path, body, {"X-Loop-Signature": data.sign(wiring.loop_secret, body)})
            handler(environ, lambda status, headers: None)

        bodies = list(range(args.returns))
        report = _measure("ingest (the web process)", bodies, ingest, callers=callers)
        (RESULTS / f"profile-ingest{suffix}.txt").write_text(report)
        sys.stdout.write(report.split("\n\n")[0] + "\n")
        if paths & {"process", "push"}:
            pending = list(InboundWebhook.objects.filter(status="pending").order_by("pk").values_list("pk", flat=True))
            report = _measure(
                "process (the webhook task)", pending, lambda pk: webhook_process(webhook_id=pk), callers=callers
            )
            (RESULTS / f"profile-process{suffix}.txt").write_text(report)
            sys.stdout.write(report.split("\n\n")[0] + "\n")
        if "push" in paths:
            gunicorn("wms", "bench.wms_app:application", WMS_PORT, {**env, "BENCH_WMS_LATENCY_MS": "0"}, work)
            rmas = list(RMA.objects.filter(status="pending").order_by("pk").values_list("pk", flat=True))
            report = _measure("push (the RMA task)", rmas, lambda pk: rma_push(rma_id=pk), callers=callers)
            (RESULTS / f"profile-push{suffix}.txt").write_text(report)
            sys.stdout.write(report.split("\n\n")[0] + "\n")
    finally:
        procs.stop_all()
        from django.db import connections

        connections.close_all()
        db_drop()
        redis_flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
