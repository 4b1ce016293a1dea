"""Settings for bench/offers_throughput.py: the dev settings with the bench URLconf, no debug."""

from partnerportal.settings.dev import *  # noqa: F401,F403

DEBUG = False
ROOT_URLCONF = "bench.urls_bench"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
