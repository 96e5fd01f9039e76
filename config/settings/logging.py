"""Structured JSON logs to stdout (django-structlog), secrets redacted by key name, endpoint tokens masked."""

import structlog

from config.env import env
from config.logging import redact_processor

LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOG_FORMAT = env("LOG_FORMAT", default="json")  # "json" or "console"
# The request id bound by RequestMiddleware travels in task headers and is bound again in the worker
# (with the DjangoStructLogInitStep in config/celery.py). https://django-structlog.readthedocs.io/en/latest/celery.html
DJANGO_STRUCTLOG_CELERY_ENABLED = True
# The request's address is bound by config/logging.py from config.client_ip (the trusted-proxy rule), not by
# django-structlog's ipware guess, which believes any X-Forwarded-For and costs a tenth of a webhook's CPU.
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {
            "()": structlog.stdlib.ProcessorFormatter,
            "processor": (
                structlog.dev.ConsoleRenderer(colors=False)
                if LOG_FORMAT == "console"
                else structlog.processors.JSONRenderer()
            ),
            "foreign_pre_chain": [
                structlog.contextvars.merge_contextvars,
                structlog.processors.TimeStamper(fmt="iso"),
                structlog.stdlib.add_logger_name,
                structlog.stdlib.add_log_level,
                # A traceback becomes text here, so redaction sees it (a request path in it carries a token).
                structlog.processors.format_exc_info,
                redact_processor,
            ],
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_structlog": {"level": LOG_LEVEL},
        # django-axes logs each failed log-in two or three times and each success twice; config/login_log.py
        # logs one line per failure or lockout instead. Its errors (a misconfiguration) still show.
        "axes": {"level": "ERROR"},
        # runserver's request lines name webhook paths: through our handler, so their tokens are masked too.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

structlog.configure(
    processors=[
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.filter_by_level,
        structlog.processors.TimeStamper(fmt="iso"),
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
        redact_processor,
        structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
    ],
    logger_factory=structlog.stdlib.LoggerFactory(),
    cache_logger_on_first_use=True,
)
