"""/health/ (config/health.py): a cheap answer for anyone, every check for staff and monitors; and /metrics."""

from config.env import env

# A monitor sending this in the X-Health-Check-Token header gets every check's result (database,
# cache, broker, migrations), as staff do. Empty: only staff get them.
HEALTH_CHECK_TOKEN = env("HEALTH_CHECK_TOKEN", default="")
# How long the result of the last full check is what anyone else is told.
HEALTH_CHECK_CACHE_SECONDS = env.int("HEALTH_CHECK_CACHE_SECONDS", default=60)

# /metrics (config/metrics_endpoint.py): a Prometheus scraper sends `Authorization: Bearer <METRICS_TOKEN>`;
# staff may read it logged in. Empty: only staff. With several processes per host (gunicorn, Celery's prefork
# pool), also set PROMETHEUS_MULTIPROC_DIR to an empty folder the processes share, wiped at each start.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
