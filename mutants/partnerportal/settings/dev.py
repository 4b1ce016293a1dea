"""Local development: SQLite, localstripe, filesystem broker, console e-mail."""

from .base import *  # noqa: F401,F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
