"""Test settings: fast hashing, a per-run cache, fixed encryption keys."""

import os

from config.django.base import *  # noqa: F403
from config.env import env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SANDBOX_ENABLED = True
ALLOW_PRIVATE_PROVIDER_URLS = True
# Fixed test-only keys (never used outside tests).
FIELD_ENCRYPTION_KEYS = ["8PN5yYITHRd-yi83NA6XGkMXac_2tea946fL0_aGSwM="]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# Tests never run collectstatic: whitenoise serves from the finders instead of scanning STATIC_ROOT.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
if not REDIS_URL:  # noqa: F405
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# SQLite tests use a file, like `make run`: WAL and the busy timeout then apply, so a web thread,
# a worker thread and the test can write in turn. The in-memory database's shared cache takes
# table locks that fail at once ("database table is locked") instead of waiting.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    import tempfile as _tempfile

    (VAR_DIR / "test-db").mkdir(parents=True, exist_ok=True)  # noqa: F405
    _test_db_dir = _tempfile.mkdtemp(prefix="run-", dir=VAR_DIR / "test-db")  # noqa: F405
    import atexit as _atexit
    import shutil as _shutil

    _atexit.register(_shutil.rmtree, _test_db_dir, True)
    DATABASES["default"]["TEST"] = {"NAME": f"{_test_db_dir}/test.sqlite3"}  # noqa: F405

else:
    # Worker and live-server threads keep their own connections; with persistent connections they
    # would outlive the threads and hold the test database open at teardown. Each task or request
    # closes its connection when done, as with CONN_MAX_AGE=0 in any deployment.
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# Tests use the same brokers as production and quick start, never eager mode: Redis when
# REDIS_URL is set, else the filesystem transport in its own folder (apart from `make run`'s).
if not REDIS_URL:  # noqa: F405
    import atexit
    import shutil
    import tempfile

    # One folder per test process, so parallel runs never consume each other's messages.
    (VAR_DIR / "test-celery").mkdir(parents=True, exist_ok=True)  # noqa: F405
    _test_root = tempfile.mkdtemp(prefix="run-", dir=VAR_DIR / "test-celery")  # noqa: F405
    atexit.register(shutil.rmtree, _test_root, True)
    _test_queue = f"{_test_root}/queue"
    _test_control = f"{_test_root}/control"
    for _folder in (_test_queue, _test_control):
        os.makedirs(_folder, exist_ok=True)
    # Leases without Redis: files in this run's folder (a subprocess worker is given LEASE_DIR).
    LEASE_DIR = env.path("LEASE_DIR", default=f"{_test_root}/leases")
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_test_queue),
        "data_folder_out": str(_test_queue),
        "control_folder": str(_test_control),
        "store_processed": False,
        "polling_interval": 0.05,
    }
