"""Development: `make run` on a fresh machine (SQLite, filesystem broker unless env says otherwise)."""

from config.django.base import *  # noqa: F403
from config.env import env

DEBUG = env.bool("DEBUG", default=True)
# `PORT=8001 make run` serves on 8001: invite links, webhook URLs and the sandbox follow it.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default=f"http://127.0.0.1:{env.int('PORT', default=8000)}")
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=True)
# Emails to merchants are printed by the worker instead of sent (set EMAIL_BACKEND to send them).
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# Development and sandbox may point a connection at a local server; production never may.
ALLOW_PRIVATE_PROVIDER_URLS = env.bool("ALLOW_PRIVATE_PROVIDER_URLS", default=True)
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
