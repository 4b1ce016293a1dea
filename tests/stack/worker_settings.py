"""Settings of the Celery worker subprocess the fault tests start and kill (tests/test_faults_worker.py).

The test settings, plus a short Redis visibility timeout: a message whose worker was killed
before acknowledging it (acks_late) comes back after seconds instead of the production hour.
"""

from partnerportal.settings.test import *  # noqa: F401,F403
from partnerportal.settings.test import env

# The test starting the worker names its payment service (a proxy in front of localstripe); no
# default, so none is reached by accident.
STRIPE_API_BASE = env("STRIPE_API_BASE")

CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 8,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
