"""Settings of the Celery worker process that tests/offers/test_worker_process.py starts.

The test settings, but the worker consumes from the broker (no eager mode) and writes its e-mails
to files the test reads (EMAIL_FILE_PATH), since the test cannot see another process's outbox.
"""

from partnerportal.settings.test import *  # noqa: F401,F403
from partnerportal.settings.test import env

CELERY_TASK_ALWAYS_EAGER = False
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH")
# The test starting the worker names its localstripe; no default, so none is reached by accident.
STRIPE_API_BASE = env("STRIPE_API_BASE")
