"""`python -m bench`: run the five sections and write docs/benchmarks.md. See bench/__init__.py."""

import argparse
import datetime as dt
import functools
import http.client
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from bench import procs, scrape, wms_app
from bench.env import (
    BASELINE_PORT,
    DB_NAME,
    PG_ADMIN_URL,
    REDIS_URL,
    ROOT,
    VENV_BIN,
    WEB_PORT,
    WEB_WORKERS,
    WMS_LATENCY_MS,
    WMS_PORT,
    BenchEnv,
)
from bench.report import DrainResult, E2EResult, Results
from bench.stats import percentile, steady_rate


@dataclass(frozen=True)
class Sizes:
    ingest_levels: tuple[int, ...] = (4, 16, 64)
    ingest_seconds: int = 10
    bodies_per_thread: int = 2500  # Backhaul peaks near 200 req/s: 5,000 per level leaves room
    e2e: tuple[tuple[int, int], ...] = ((20, 300), (100, 500))  # (returns per second, count)
    e2e_concurrency: int = 4
    drain_returns: int = 10_000
    drain_webhook_concurrency: int = 2
    drain_push_concurrency: int = 4
    drain_slow_latencies_ms: tuple[int, ...] = (100,)
    drain_slow_seconds: int = 20  # each slower run pushes about this long at its ideal rate
    page_rows: tuple[int, ...] = (1_000, 100_000)
    overview_rows: tuple[int, ...] = (1_000, 100_000, 1_000_000)
    overview_busy_rows: int = 100_000


QUICK = Sizes(
    ingest_levels=(4,),
    ingest_seconds=2,
    bodies_per_thread=1500,
    e2e=((20, 40),),
    drain_returns=int(os.environ.get("BENCH_QUICK_DRAIN", "200")),
    drain_slow_seconds=2,
    page_rows=(100, 1_000),
    overview_rows=(100, 1_000),
    overview_busy_rows=1_000,
)


def log(message: str) -> None:
    sys.stdout.write(f"[bench {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stdout.flush()


# -- database and redis ----------------------------------------------------------------------


def db_recreate() -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def db_drop() -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def redis_flush() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def sql(statement: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement)


# -- processes -------------------------------------------------------------------------------


def gunicorn(name: str, app: str, port: int, env: dict[str, str], work: Path, *extra: str) -> subprocess.Popen:
    argv = [str(VENV_BIN / "gunicorn"), app, "--bind", f"127.0.0.1:{port}", *extra]
    proc = procs.start(name, argv, env=env, log_dir=work)
    procs.wait_port(port, proc=proc)
    # The arbiter listens before its workers have imported the app: wait until requests are answered.
    deadline = time.monotonic() + 60
    answered = 0
    while answered < 8 and time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/health/")
            conn.getresponse().read()
            conn.close()
            answered += 1
        except OSError:
            time.sleep(0.2)
    return proc


def worker(name: str, queues: str, concurrency: int, env: dict[str, str], work: Path) -> subprocess.Popen:
    # The Procfile's worker line, with the queues and concurrency named for the section.
    argv = [
        str(VENV_BIN / "celery"),
        "-A",
        "config",
        "worker",
        "-l",
        "warning",
        "-Q",
        queues,
        "--concurrency",
        str(concurrency),
        "-n",
        f"{name}@%h",
    ]
    return procs.start(name, argv, env={**env, "REMAP_SIGTERM": "SIGQUIT"}, log_dir=work)


def wait_until(what: str, condition, timeout: float, interval: float = 0.5) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    log(f"gave up waiting for {what} after {timeout:.0f}s")
    return False


# -- sections --------------------------------------------------------------------------------


def section_ingest(results: Results, *, sizes: Sizes, wiring, benv: BenchEnv, env: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    from bench import data, ingest

    work = benv.work_dir
    log("ingest: writing signed bodies")
    dirs = {}
    for level in ("warm", *sizes.ingest_levels):
        folder = work / f"bodies-{level}"
        folder.mkdir()
        count = 300 if level == "warm" else sizes.bodies_per_thread
        for thread in (1, 2):
            prefix = f"I{level}t{thread}n"
            target = folder / f"bodies-{thread}.tsv"
            data.write_wrk_bodies(path=target, secret=wiring.loop_secret, prefix=prefix, count=count)
        dirs[level] = folder
    web = gunicorn("web", "config.wsgi:application", WEB_PORT, env, work, "--workers", str(WEB_WORKERS))
    base_env = {
        **env,
        "BENCH_LOOP_SECRET": wiring.loop_secret,
        "BENCH_CONNECTION_ID": str(wiring.loop_connection_id),
        "BENCH_STORE_ID": str(wiring.store_id),
        "BENCH_PG_DSN": f"postgresql://postgres@127.0.0.1:5432/{DB_NAME}",
    }
    base_app = "bench.baseline_app:application"
    base = gunicorn("baseline", base_app, BASELINE_PORT, base_env, work, "--workers", str(WEB_WORKERS))
    path = wiring.endpoint_path
    app_url, base_url = f"http://127.0.0.1:{WEB_PORT}{path}", f"http://127.0.0.1:{BASELINE_PORT}{path}"
    for url, target in ((app_url, "backhaul"), (base_url, "baseline")):
        ingest.run_wrk(url=url, bodies_dir=dirs["warm"], path=path, connections=4, seconds=2, target=target)
    for level in sizes.ingest_levels:
        args = {"bodies_dir": dirs[level], "path": path, "connections": level, "seconds": sizes.ingest_seconds}
        app = ingest.run_wrk(url=app_url, target="backhaul", **args)
        baseline = ingest.run_wrk(url=base_url, target="baseline", **args)
        for result in (app, baseline):
            if result.errors:  # a failing request is cheap: its rate would mean nothing
                raise RuntimeError(f"ingest c={level}: {result.target} answered {result.errors} errors: see {work}")
        log(f"ingest c={level}: backhaul {app.rps:.0f}/s p99 {app.p99_ms:.0f} ms, baseline {baseline.rps:.0f}/s")
        log(f"ingest c={level}: CPU ms per request: backhaul {app.cpu_ms}, baseline {baseline.cpu_ms}")
        results.ingest.append((app, baseline))
    procs.stop(base)
    results.meta["web_workers"] = WEB_WORKERS
    results.meta["ingest_seconds"] = sizes.ingest_seconds
    # Drop the ingest backlog: the next sections count their own returns only.
    redis_flush()
    sql("TRUNCATE integrations_inboundwebhook CASCADE")
    return web


def _items(wiring, prefix: str, count: int) -> list[tuple[str, str, bytes]]:  # type: ignore[no-untyped-def]
    from bench import data

    items = []
    for i in range(count):
        key = f"{prefix}{i}"
        body = data.return_body(return_id=key, order_name=f"#{key}")
        items.append((key, data.sign(wiring.loop_secret, body), body))
    return items


def _pushes_counted(*, before: scrape.Samples, port: int, token: str, expected: int) -> bool:
    return scrape.seen(before, scrape.scrape(port=port, token=token)).rmas_submitted >= expected


def section_e2e(results: Results, *, sizes: Sizes, wiring, benv: BenchEnv, env: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    from bench import sender

    work = benv.work_dir
    wms_app.reset(work)
    proc = worker("worker", "webhooks,rmas,sync", sizes.e2e_concurrency, env, work)
    warm = _items(wiring, "W", 20)
    start = scrape.scrape(port=WEB_PORT, token=benv.metrics_token)
    sender.send(port=WEB_PORT, path=wiring.endpoint_path, items=warm, rate=10)
    wait_until("warm-up RMAs", lambda: len(wms_app.arrivals(work)) >= len(warm), 60)
    # Counted too before the first run's scrape, or its last pushes would land in that run.
    warm_counted = functools.partial(
        _pushes_counted, before=start, port=WEB_PORT, token=benv.metrics_token, expected=len(warm)
    )
    wait_until("the warm-up pushes in /metrics", warm_counted, 30)
    for rate, count in sizes.e2e:
        items = _items(wiring, f"E{rate}n", count)
        before = scrape.scrape(port=WEB_PORT, token=benv.metrics_token)
        sent = sender.send(port=WEB_PORT, path=wiring.endpoint_path, items=items, rate=rate)
        keys = {s.key for s in sent if 200 <= s.status < 300}
        wait_until(f"{len(keys)} RMAs at {rate}/s", lambda k=keys: k <= wms_app.arrivals(work).keys(), 120)
        arrivals = wms_app.arrivals(work)
        latencies = [(arrivals[s.key] - s.accepted) * 1000 for s in sent if s.key in arrivals and s.key in keys]
        # A push counts itself once the WMS has answered and the RMA is recorded, a little after its request
        # arrived: wait for the last ones (bounded), so that they are not counted in the next run instead.
        all_counted = functools.partial(
            _pushes_counted, before=before, port=WEB_PORT, token=benv.metrics_token, expected=len(keys)
        )
        wait_until("the pushes in /metrics", all_counted, 30)
        result = E2EResult(
            rate=rate,
            sent=len(sent),
            accepted=len(keys),
            arrived=len(latencies),
            p50_ms=percentile(latencies, 50),
            p95_ms=percentile(latencies, 95),
            p99_ms=percentile(latencies, 99),
            max_ms=max(latencies, default=float("nan")),
            concurrency=sizes.e2e_concurrency,
            seen=scrape.seen(before, scrape.scrape(port=WEB_PORT, token=benv.metrics_token)),
        )
        log(f"e2e {rate}/s: p50 {result.p50_ms:.0f} p95 {result.p95_ms:.0f} p99 {result.p99_ms:.0f} ms")
        results.e2e.append(result)
    procs.stop(proc)


def _drain(
    *, prefix: str, count: int, latency_ms: int, sizes: Sizes, wiring, benv: BenchEnv, env: dict[str, str]
) -> DrainResult:  # type: ignore[no-untyped-def]
    """Accept `count` returns with no worker running, then run the webhook stage and the push stage
    one after the other against the WMS at `latency_ms`; RMA numbers start with `prefix`."""
    from django.db.models import Max, Min

    from bench import cpu, sender
    from integrations.models import Connection, InboundWebhook
    from returns.models import RMA

    work = benv.work_dir
    tag = f"drain {prefix}"
    items = _items(wiring, prefix, count)
    log(f"{tag}: accepting {len(items)} returns with no worker running")
    before = scrape.scrape(port=WEB_PORT, token=benv.metrics_token)
    drain_start = dt.datetime.now(dt.UTC)
    started = time.monotonic()
    sent = sender.send(port=WEB_PORT, path=wiring.endpoint_path, items=items, rate=None, threads=8)
    accept_seconds = time.monotonic() - started
    accepted = sum(1 for s in sent if 200 <= s.status < 300)
    backlog = InboundWebhook.objects.filter(status=InboundWebhook.Status.PENDING)
    log(f"{tag}: {accepted} accepted in {accept_seconds:.1f}s; {backlog.count()} pending; starting the webhook worker")

    with cpu.Meter() as process_cpu:  # ends before the stop: the worker's exit is not its work
        hooks = worker(f"drain-webhooks-{prefix}", "webhooks", sizes.drain_webhook_concurrency, env, work)
        wait_until("the webhook backlog", lambda: not backlog.exists(), 420, interval=1.0)
    procs.stop(hooks)
    done = InboundWebhook.objects.filter(
        status=InboundWebhook.Status.PROCESSED, processed_at__isnull=False, created_at__gte=drain_start
    )
    span = done.aggregate(first=Min("processed_at"), last=Max("processed_at"))
    times = [t.timestamp() for t in done.values_list("processed_at", flat=True)]
    processed = len(times)
    pending = RMA.objects.filter(status=RMA.Status.PENDING, number__startswith=prefix)
    log(f"{tag}: {processed} webhooks processed ({span['first']} → {span['last']}); {pending.count()} RMAs pending")

    # The WMS sleeps for the latency its path asks for (bench/wms_app.py): the connection's base URL says.
    wms = Connection.objects.filter(pk=wiring.wms_connection_id)
    wms.update(base_url=f"http://127.0.0.1:{WMS_PORT}/latency/{latency_ms}")
    with cpu.Meter() as push_cpu:
        pushes = worker(f"drain-rmas-{prefix}", "rmas", sizes.drain_push_concurrency, env, work)
        wait_until("the RMA backlog", lambda: not pending.exists(), 420, interval=1.0)
    procs.stop(pushes)
    wms.update(base_url=f"http://127.0.0.1:{WMS_PORT}")
    arrivals = [at for number, at in wms_app.arrivals(work).items() if number.startswith(prefix)]
    push_seconds = (max(arrivals) - min(arrivals)) if arrivals else float("nan")
    result = DrainResult(
        returns=accepted,
        accept_seconds=accept_seconds,
        webhook_concurrency=sizes.drain_webhook_concurrency,
        processed=processed,
        process_rate=steady_rate(times),
        push_concurrency=sizes.drain_push_concurrency,
        latency_ms=latency_ms,
        pushed=len(arrivals),
        push_seconds=push_seconds,
        push_rate=steady_rate(arrivals),
        push_rate_overall=(len(arrivals) - 1) / push_seconds if arrivals and push_seconds > 0 else float("nan"),
        process_cpu_ms=cpu.per_item_ms(process_cpu.totals, processed),
        push_cpu_ms=cpu.per_item_ms(push_cpu.totals, len(arrivals)),
        seen=scrape.seen(before, scrape.scrape(port=WEB_PORT, token=benv.metrics_token)),
    )
    log(f"{tag}: process {result.process_rate:.1f}/s; push {result.push_rate:.1f}/s (ideal {result.ideal:.0f}/s)")
    log(f"{tag}: CPU ms per webhook {result.process_cpu_ms}; per RMA push {result.push_cpu_ms}")
    return result


def section_drain(results: Results, *, sizes: Sizes, wiring, benv: BenchEnv, env: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    wms_app.reset(benv.work_dir)
    kwargs = {"sizes": sizes, "wiring": wiring, "benv": benv, "env": env}
    results.drain = _drain(prefix="D", count=sizes.drain_returns, latency_ms=WMS_LATENCY_MS, **kwargs)
    # The same push stage against slower WMSs (real ones answer in tens to hundreds of ms): how much
    # of the gap to the ideal is Backhaul's fixed CPU per push, which a longer wait dilutes.
    for latency_ms in sizes.drain_slow_latencies_ms:
        count = sizes.drain_push_concurrency * sizes.drain_slow_seconds * 1000 // latency_ms
        results.drain_slow.append(_drain(prefix=f"L{latency_ms}n", count=count, latency_ms=latency_ms, **kwargs))


def section_costs(results: Results, *, sizes: Sizes, wiring) -> None:  # type: ignore[no-untyped-def]
    from bench import costs

    costs.pipeline_cost(wiring=wiring, lines=1, tag="warm")
    for lines in costs.LINE_COUNTS:
        results.pipeline.append(costs.pipeline_cost(wiring=wiring, lines=lines))
        log(f"costs: {results.pipeline[-1]}")
    redis_flush()
    sql("TRUNCATE returns_return, integrations_inboundwebhook, integrations_apicall CASCADE")
    for rows in sizes.page_rows:
        costs.rows_fill(wiring=wiring, upto=rows)
        results.pages.append(costs.page_cost(rows=rows))
        log(f"costs: {results.pages[-1]}")


def section_overview(results: Results, *, sizes: Sizes, wiring) -> None:  # type: ignore[no-untyped-def]
    from bench import overview

    redis_flush()
    sql("TRUNCATE returns_return, integrations_inboundwebhook, integrations_apicall CASCADE")
    results.overview = overview.run(wiring=wiring, ladder=sizes.overview_rows, busy=sizes.overview_busy_rows, log=log)


# -- run -------------------------------------------------------------------------------------


def _cmd(*argv: str) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)  # noqa: S603
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError):
        return "?"


def machine_meta(results: Results) -> None:
    import celery
    import django
    import gunicorn as gunicorn_pkg
    import kombu
    import redis

    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = next(
        (line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")),
        "0",
    )
    with psycopg.connect(PG_ADMIN_URL) as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
    info = redis.Redis.from_url(REDIS_URL).info("server")
    results.meta.update(
        {
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "commit": _cmd("git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"),
            "machine": f"{platform.system()} {platform.release()}, {os.cpu_count()} cores",
            "cpu": cpu,
            "memory": f"{int(mem) / 1024 / 1024:.1f} GiB",
            "load before": " ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1, 5, 15 min)",
            "python": platform.python_version(),
            "versions": f"Django {django.get_version()}, Celery {celery.__version__}, kombu {kombu.__version__}, "
            f"gunicorn {gunicorn_pkg.__version__}, psycopg {psycopg.__version__}, redis-py {redis.__version__}",
            "postgresql": pg,
            "redis": info.get("redis_version", "?"),
            "wrk": _cmd("wrk", "--version").split(" [")[0],
        }
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks the wiring, numbers mean nothing")
    parser.add_argument("--only", default="ingest,e2e,drain,costs,overview", help="comma list of sections")
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument("--keep-db", action="store_true", help="leave backhaul_bench for inspection")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else Sizes()
    only = set(args.only.split(","))
    for port in (WEB_PORT, BASELINE_PORT, WMS_PORT):
        if not procs.port_free(port):
            log(f"127.0.0.1:{port} is in use: another bench running?")
            return 2
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="backhaul-bench-"))
    benv = BenchEnv(work_dir=work)
    env = benv.full()
    procs.install_signal_handlers()
    results = Results()
    log(f"work dir {work}")
    db_recreate()
    redis_flush()
    try:
        benv.apply()
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        machine_meta(results)
        from bench import data

        wiring = data.store_create()
        wms_env = {**env, "BENCH_WMS_LATENCY_MS": str(WMS_LATENCY_MS)}
        if only & {"ingest", "e2e", "drain"}:
            gunicorn("wms", "bench.wms_app:application", WMS_PORT, wms_env, work, "-k", "gthread", "--threads", "64")
        kwargs = {"sizes": sizes, "wiring": wiring, "benv": benv, "env": env}
        if "ingest" in only:
            section_ingest(results, **kwargs)
        if only & {"e2e", "drain"} and procs.port_free(WEB_PORT):
            gunicorn("web", "config.wsgi:application", WEB_PORT, env, work, "--workers", str(WEB_WORKERS))
        if "e2e" in only:
            section_e2e(results, **kwargs)
        if "drain" in only:
            section_drain(results, **kwargs)
        procs.stop_all()
        if "costs" in only:
            gunicorn("wms", "bench.wms_app:application", WMS_PORT, wms_env, work, "-k", "gthread", "--threads", "8")
            section_costs(results, sizes=sizes, wiring=wiring)
        if "overview" in only:
            section_overview(results, sizes=sizes, wiring=wiring)
        results.meta["load after"] = " ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1, 5, 15 min)"
    finally:
        procs.stop_all()
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            db_drop()
        redis_flush()
    results.meta["duration"] = f"{time.monotonic() - started:.0f} s" + (" (--quick)" if args.quick else "")
    from bench import report

    report.write(results, Path(args.output))
    sys.stdout.write(report.summary(results) + "\n")
    log(f"wrote {args.output}; logs in {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
