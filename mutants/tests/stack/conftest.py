"""The production-like stack (scripts/prod-stack.sh) for the tests of this folder.

Started once for the folder on free ports, in a temporary folder, with its own database
(<test database>_stack) and Redis database (the tests' broker database + 8), and stopped after
the folder's last test. Needs PostgreSQL and Redis: skipped on SQLite / the filesystem broker.
"""

import os
import subprocess
from urllib.parse import urlsplit

import pytest

from tests.stack.tools import Stack, require_postgres_and_redis


@pytest.fixture(scope="package")
def prod_stack(tmp_path_factory):
    require_postgres_and_redis()
    from django.conf import settings

    db = settings.DATABASES["default"]
    database_url = "postgres://%s@%s:%s/%s_stack" % (
        db["USER"] or "postgres",
        db["HOST"] or "127.0.0.1",
        db["PORT"] or 5432,
        # the configured name, not pytest-django's test_ one (that one is dropped at the end)
        os.environ.get("DATABASE_URL", "postgres:///portal").rsplit("/", 1)[-1].split("?")[0] or "portal",
    )
    broker = urlsplit(settings.CELERY_BROKER_URL)
    number = (int((broker.path or "/0").lstrip("/") or 0) + 8) % 16
    redis_url = broker._replace(path="/%d" % number).geturl()
    stack = Stack(
        directory=tmp_path_factory.mktemp("prodstack"),
        database_url=database_url,
        broker_url=redis_url,
        cache_url=redis_url,
    )
    stack.start()
    yield stack
    groups = [int(p.read_text()) for p in stack.directory.glob("*.pid")]
    result = stack.stop()
    assert result.returncode == 0, result.stderr
    # Every service ran in its own process group; none may outlive stop (gunicorn workers,
    # Celery pool processes included).
    leftovers = [
        pid
        for group in groups
        for pid in subprocess.run(["pgrep", "-g", str(group)], capture_output=True, text=True).stdout.split()
    ]
    assert leftovers == [], "processes left after prod-stack.sh stop: %s" % leftovers
