"""Provider endpoints and timeouts. Each connection may override its base URL (sandbox, test server)."""

from config.env import env

# Each provider's production address is in its declaration (integrations/providers/<slug>/declaration.py),
# with the environment variable that replaces it for the deployment (LOOP_BASE_URL, ...); its deployment-wide
# keys too (TRACKSTAR_API_KEY). `manage.py providers` lists them with the values in use.

PROVIDER_CONNECT_TIMEOUT = env.float("PROVIDER_CONNECT_TIMEOUT", default=5.0)
PROVIDER_READ_TIMEOUT = env.float("PROVIDER_READ_TIMEOUT", default=20.0)

# A webhook body longer than this is refused (413): at once, unread, when Content-Length says so;
# else reading stops at the limit. Django's own DATA_UPLOAD_MAX_MEMORY_SIZE does not apply: the
# endpoint reads the stream itself, so an oversized request is still accounted for.
WEBHOOK_MAX_BODY_BYTES = env.int("WEBHOOK_MAX_BODY_BYTES", default=2_621_440)
# Requests refused before they are verified (not a POST, too large, unknown endpoint, bad
# signature) cost bounded bytes (integrations/services/refusals.py): each stored one keeps only
# this much of its body, with its true length; past either rate below (a `limits` string, per
# source address — an IPv6 /64 — and per endpoint, all unknown endpoints being one) they are
# answered 429 and counted per hour instead of stored. Verified deliveries are never limited.
WEBHOOK_REFUSED_BODY_KEPT_BYTES = env.int("WEBHOOK_REFUSED_BODY_KEPT_BYTES", default=16_384)
WEBHOOK_REFUSED_LIMIT_PER_SOURCE = env("WEBHOOK_REFUSED_LIMIT_PER_SOURCE", default="60/hour")
WEBHOOK_REFUSED_LIMIT_PER_ENDPOINT = env("WEBHOOK_REFUSED_LIMIT_PER_ENDPOINT", default="120/hour")
# Refused requests (and their hourly counts) are kept this long, not RETENTION_DAYS.
WEBHOOK_REFUSED_RETENTION_DAYS = env.int("WEBHOOK_REFUSED_RETENTION_DAYS", default=7)
# Inbound webhooks still pending after this many seconds are re-published by the sweeper.
WEBHOOK_SWEEP_GRACE_SECONDS = env.int("WEBHOOK_SWEEP_GRACE_SECONDS", default=60)
# Svix (TrackStar) timestamp tolerance, either side.
WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS = 300
# After a secret rotation the previous secret keeps verifying for this long.
WEBHOOK_SECRET_ROTATION_WINDOW_HOURS = env.int("WEBHOOK_SECRET_ROTATION_WINDOW_HOURS", default=72)

# Outbound pushes: consecutive failures that trip a connection's circuit breaker.
CIRCUIT_BREAKER_THRESHOLD = env.int("CIRCUIT_BREAKER_THRESHOLD", default=10)
# An open breaker lets one trial push through after this long; success closes it, failure re-opens it.
CIRCUIT_BREAKER_COOLDOWN_SECONDS = env.int("CIRCUIT_BREAKER_COOLDOWN_SECONDS", default=300)
RMA_PUSH_MAX_RETRIES = env.int("RMA_PUSH_MAX_RETRIES", default=8)

SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=False)
ALLOW_PRIVATE_PROVIDER_URLS = env.bool("ALLOW_PRIVATE_PROVIDER_URLS", default=False)

# Days to keep processed webhooks and API calls; pending and failed ones are kept regardless.
RETENTION_DAYS = env.int("RETENTION_DAYS", default=30)

# RMA pushes (read in returns/services/rmas/ and returns/retry_policy.py with these defaults; declared here so they
# are tunable).
# The first retry waits about this long, doubling each time up to CELERY_MAX_COUNTDOWN_SECONDS.
RMA_PUSH_BACKOFF_SECONDS = env.float("RMA_PUSH_BACKOFF_SECONDS", default=10)
# Pending RMAs, and tracking updates and cancels owed to the WMS, that no task took this long after
# they were planned (queued), tried, retried or re-published are re-published by the sweeper. Longer
# than the task time limit: by then the lease of a worker killed mid-push has expired (config/leases.py).
RMA_SWEEP_GRACE_SECONDS = env.int("RMA_SWEEP_GRACE_SECONDS", default=120)
# The same for queued platform actions (process / flag a return on Loop or Redo), swept every
# PLATFORM_ACTION_SWEEP_INTERVAL_SECONDS (config/settings/celery.py); also longer than the time limit.
PLATFORM_ACTION_SWEEP_GRACE_SECONDS = env.int("PLATFORM_ACTION_SWEEP_GRACE_SECONDS", default=120)

# Reconciliation (product.md flow 9): poll both sides for what webhooks missed.
# A return that should have an RMA but has none this long after it arrived gets a timeline warning.
RECONCILE_GRACE_MINUTES = env.int("RECONCILE_GRACE_MINUTES", default=30)
# A connection's first run looks this far back (TrackStar's initial sync covers 30 days, sends no webhooks).
RECONCILE_FIRST_LOOKBACK_HOURS = env.int("RECONCILE_FIRST_LOOKBACK_HOURS", default=72)
# Each run re-reads this much before its cursor: provider clocks and list indexes lag a little.
RECONCILE_OVERLAP_SECONDS = env.int("RECONCILE_OVERLAP_SECONDS", default=300)
# Pages per connection per run, so one run stays well inside each provider's rate limit; the
# cursor only advances after a complete run, so the next run continues where this one stopped.
RECONCILE_MAX_PAGES = env.int("RECONCILE_MAX_PAGES", default=20)
