"""`make bench`: the platform as production runs it, measured on this machine (issue 9).

Run as `python -m bench`. Every server is bound to 127.0.0.1, every load is bounded in count
and time, and every process started here is killed when the run ends (see bench.procs).
Every process writes its metrics to one PROMETHEUS_MULTIPROC_DIR, as in production; the e2e and drain
sections scrape /metrics before and after and report what it counted beside the bench's own clocks
(bench.scrape). `python -m bench.profile` profiles one return's paths in-process, or counts their
instructions (--callgrind).
"""
