"""Settings for the SQLite bench server (bench/sqlite_server.py): the dev settings, no debug, quiet logs."""

from partnerportal.settings.dev import *  # noqa: F401,F403

DEBUG = False
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
