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
# Webhook URLs given to providers, invite links and email links start with it: a default
# (http://127.0.0.1:8000) would be handed to Loop and to merchants as if it were ours.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="")
if not PUBLIC_BASE_URL:
    raise ImproperlyConfigured(
        "PUBLIC_BASE_URL must be set in production (https://...): webhook URLs, invite and email links start with it."
    )

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
if len(SECRET_KEY) < 32:
    raise ImportError("SECRET_KEY must be set to a random value of at least 32 characters in production.")
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS")
if not FIELD_ENCRYPTION_KEYS:
    raise ImportError("FIELD_ENCRYPTION_KEYS must list at least one Fernet key in production.")

# Only a proxy that terminates TLS and sets X-Forwarded-Proto (overwriting what the client sent) may
# say a request was https; without one, anyone could send the header and pass as https.
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
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
