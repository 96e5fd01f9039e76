"""Development: `make run` on a fresh machine (SQLite, filesystem broker unless env says otherwise)."""

from config.django.base import *  # noqa: F403
from config.env import env

DEBUG = env.bool("DEBUG", default=True)
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=True)
# Development and sandbox may point a connection at a local server; production never may.
ALLOW_PRIVATE_PROVIDER_URLS = env.bool("ALLOW_PRIVATE_PROVIDER_URLS", default=True)
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
