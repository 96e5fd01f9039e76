"""Production differs only by environment: secrets have no default, so a missing one stops start-up.

It also fails closed on its services: PostgreSQL (DATABASE_URL) and Redis (REDIS_URL) are required,
so a missing variable can never fall back to the quick start's SQLite file, filesystem broker and
file cache; `check --deploy` refuses those too (config/checks.py).
"""

from django.core.exceptions import ImproperlyConfigured

from config.django.base import *  # noqa: F403
from config.env import env

if not env("DATABASE_URL", default=""):
    raise ImproperlyConfigured("DATABASE_URL must be set in production (postgres://...).")
if not env("REDIS_URL", default=""):
    raise ImproperlyConfigured(
        "REDIS_URL must be set in production (redis://...): the cache, the Celery broker, leases and rate limits."
    )

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
if len(SECRET_KEY) < 32:
    raise ImportError("SECRET_KEY must be set to a random value of at least 32 characters in production.")
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS")
if not FIELD_ENCRYPTION_KEYS:
    raise ImportError("FIELD_ENCRYPTION_KEYS must list at least one Fernet key in production.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^health/"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 30)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=False)
ALLOW_PRIVATE_PROVIDER_URLS = env.bool("ALLOW_PRIVATE_PROVIDER_URLS", default=False)
