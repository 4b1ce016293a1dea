"""Test settings: fast hashing, locmem e-mail; the database and broker come from the environment."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F401,F403
from .base import env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests enqueue eagerly unless a test starts a real worker on the configured broker.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
# One process's memory: fast, and emptied before each test (tests/conftest.py); a run that needs
# other processes to see it sets CACHE_URL (then base's settings apply).
if "CACHE_URL" not in os.environ:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The e-mails' links are on the public address: the test client's own host, so a test follows them.
PORTAL_BASE_URL = "http://testserver"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not Django's shared in-memory database: concurrency tests need real connections that
    # wait for SQLite's write lock (a shared-cache memory database fails at once with "table is
    # locked"). One file per test process, so two runs on one machine do not share it.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"partnerportal-test-{os.getpid()}.sqlite3")
    }

# Tests never reach a developer's services: `make run` keeps its localstripe on 127.0.0.1:8420 (the
# base default, and what a shell or .env may say), and a test that charged there would buy on the
# developer's data. The payment service is the suite's own localstripe, which the stripe_settings
# fixture points at per test; anything else finds a port where nothing listens (the discard port)
# and sees the service as unreachable.
STRIPE_API_BASE = "http://127.0.0.1:9"
STRIPE_JS_URL = STRIPE_API_BASE + "/js.stripe.com/v3/"
