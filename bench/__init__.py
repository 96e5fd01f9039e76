"""`make bench`: the platform as production runs it, measured on this machine (issue 9).

Run as `python -m bench`. Every server is bound to 127.0.0.1, every load is bounded in count
and time, and every process started here is killed when the run ends (see bench.procs).
`python -m bench.profile` profiles one return's paths in-process, or counts their instructions (--callgrind).
"""
