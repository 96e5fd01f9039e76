"""The environment of a bench run: production settings, a dedicated database and Redis db."""

import base64
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
# Overridable so two runs on one machine (two worktrees) do not share a database, Redis db or port.
DB_NAME = os.environ.get("BENCH_DB_NAME", "backhaul_bench")
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
_PORT_BASE = int(os.environ.get("BENCH_PORT_BASE", "18080"))
WEB_PORT = _PORT_BASE
BASELINE_PORT = _PORT_BASE + 1
WMS_PORT = _PORT_BASE + 2
WMS_LATENCY_MS = 20
WEB_WORKERS = 4  # gunicorn sync workers, 2 per core (gunicorn's own rule of thumb), app and baseline alike


@dataclass
class BenchEnv:
    work_dir: Path
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    field_key: str = field(default_factory=lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
    metrics_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    @property
    def metrics_dir(self) -> Path:
        """Where every process writes its metrics, as production does with several processes per host."""
        return self.work_dir / "metrics"

    def vars(self) -> dict[str, str]:
        """What every process of the run sees (added to the caller's environment)."""
        return {
            "DJANGO_SETTINGS_MODULE": "config.django.production",
            "SECRET_KEY": self.secret_key,
            "FIELD_ENCRYPTION_KEYS": self.field_key,
            "DATABASE_URL": DATABASE_URL,
            "REDIS_URL": REDIS_URL,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{WEB_PORT}",
            "SECURE_SSL_REDIRECT": "false",
            "ALLOW_PRIVATE_PROVIDER_URLS": "true",
            "SANDBOX_ENABLED": "false",
            "LOG_LEVEL": "WARNING",
            "SENTRY_DSN": "",
            "PYTHONDONTWRITEBYTECODE": "1",
            "BENCH_WORK_DIR": str(self.work_dir),
            "PROMETHEUS_MULTIPROC_DIR": str(self.metrics_dir),
            "METRICS_TOKEN": self.metrics_token,
        }

    def full(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
        env.update(self.vars())
        return env

    def apply(self) -> None:
        """Make this process (the orchestrator, which also runs Django in-process) use the bench settings."""
        for key in ("CELERY_BROKER_URL", "CACHE_URL"):
            os.environ.pop(key, None)
        self.metrics_dir.mkdir(exist_ok=True)
        os.environ.update(self.vars())
