"""Settings of bench/renewal_day.py's processes (its workers and itself): production's, but local and short.

The base settings with PostgreSQL and Redis from the environment, plus:
- a queue of the run's own (RENEWAL_DAY_QUEUE), so no other worker on the machine takes its messages;
- a short Redis visibility timeout (RENEWAL_DAY_VISIBILITY_TIMEOUT), swept every second: the messages of
  the worker the bench kills come back within the run instead of production's hour. A live task that
  outlasts it is delivered a second time too; the renewal's claim makes that copy a no-op. The restore
  scan's Redis mutex expires after as long (kombu's default is five minutes): the bench SIGKILLs a worker,
  which may be inside its scan, and a mutex left held by the dead would stop the survivor's scans, and so
  the dead worker's messages, for longer than the run waits.
"""

from partnerportal.settings.base import *  # noqa: F401,F403
from partnerportal.settings.base import env

DEBUG = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = env("RENEWAL_DAY_QUEUE")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("RENEWAL_DAY_VISIBILITY_TIMEOUT"),
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
    "unacked_mutex_expire": env.int("RENEWAL_DAY_VISIBILITY_TIMEOUT"),
}
CELERY_BEAT_SCHEDULE = {}
