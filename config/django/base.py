"""Django settings shared by every environment. Topic settings are imported at the end."""

from config.env import BASE_DIR, VAR_DIR, env

VAR_DIR.mkdir(exist_ok=True)

SECRET_KEY = env("SECRET_KEY", default="django-insecure-development-only-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A form from before a log-in or log-out (or the back button) gets a page saying what to do.
CSRF_FAILURE_VIEW = "config.views.csrf_failure"
# Database sessions that treat a malformed cookie (NUL, garbage) as no session rather than a 500.
SESSION_ENGINE = "config.sessions"
# The public https address of this deployment, used to build webhook URLs shown to merchants.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "config.overview.apps.BackhaulAdminConfig",  # django.contrib.admin with the overview as its index
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "simple_history",
    "django_htmx",
    "health_check",
    "django_structlog",
    "axes",
    "csp",
    "config",
    "integrations",
    "warehouses",
    "returns",
    "integrations.sandbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy (config/settings/csp.py); a template's request.csp_nonce is added to it.
    "config.csp.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication so the user id is bound too; binds request_id for the request's logs and tasks.
    "django_structlog.middlewares.RequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during authentication into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# django-axes first: it refuses a locked-out username and address before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# SQLite under var/ is the zero-setup default; PostgreSQL comes in through DATABASE_URL.
# An empty DATABASE_URL counts as unset (production.py refuses both).
DATABASES = {
    "default": env.db_url_config(env("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'backhaul.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one file: WAL lets readers run beside the writer, IMMEDIATE
    # takes the write lock at BEGIN (no deadlock-prone lock upgrades), and the timeout waits
    # for a busy writer instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    # The file cache is shared by web and worker processes on one machine, unlike locmem,
    # so rate limits and the circuit breaker hold across processes in the quick start too.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Leases (config/leases.py) live in Redis when REDIS_URL is set; without it (the quick start) in
# files under this folder, shared by web, worker and beat on one machine.
LEASE_DIR = env.path("LEASE_DIR", default=VAR_DIR / "leases")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LOGIN_URL = "/admin/login/"

# Newest first: the first key encrypts, every key decrypts (cryptography's MultiFernet).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])

from config.settings.admin import *  # noqa: E402,F403
from config.settings.aging import *  # noqa: E402,F403
from config.settings.celery import *  # noqa: E402,F403
from config.settings.csp import *  # noqa: E402,F403
from config.settings.drf import *  # noqa: E402,F403
from config.settings.email import *  # noqa: E402,F403
from config.settings.health import *  # noqa: E402,F403
from config.settings.integrations import *  # noqa: E402,F403
from config.settings.logging import *  # noqa: E402,F403
from config.settings.login import *  # noqa: E402,F403
from config.settings.sentry import *  # noqa: E402,F403
