"""Before `migrate` in `make setup`: set aside an embedded database that predates the migrations.

The migrations were regenerated once (one initial migration per app, before any database was
deployed). A development database made before that records migrations that no longer exist, so
`migrate` has nothing to do and pages then fail on missing tables. For the embedded SQLite default
the database and localstripe's state belong together (README): both are moved to var/old-<time>/
and a fresh pair is made. Any other database is left alone, with a warning.

A file cache (CACHE_URL=filecache://...) holds cached pages keyed by row ids and data versions of
one database: when the embedded database is about to be made afresh (missing, or just set aside),
it is emptied, so no page of the old database is kept for nothing.
"""

import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnerportal.settings.dev")
OUR_APPS = {"membership", "billing", "offers", "support"}


def stale_migrations(connection) -> list[str]:
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(connection, ignore_no_migrations=True)
    return sorted(
        "%s.%s" % key for key in loader.applied_migrations if key[0] in OUR_APPS and key not in loader.disk_migrations
    )


def main() -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    database = settings.DATABASES["default"]
    embedded = database["ENGINE"].endswith("sqlite3")
    if embedded and not Path(database["NAME"]).exists():
        empty_file_cache(settings)
        return 0
    stale = stale_migrations(connection)
    if not stale:
        return 0
    connection.close()
    if not embedded:
        print("WARNING: the database records migrations that no longer exist (%s)." % ", ".join(stale))
        print("WARNING: it predates the regenerated migrations; recreate it before serving from it.")
        return 0
    old = ROOT / "var" / ("old-%s" % time.strftime("%Y%m%d-%H%M%S"))
    old.mkdir(parents=True)
    db_path = Path(database["NAME"])
    for path in (db_path, *db_path.parent.glob(db_path.name + "-*"), ROOT / "var" / "localstripe.pickle"):
        if path.exists():
            path.rename(old / path.name)
    print("The embedded database predated the regenerated migrations (%s)." % ", ".join(stale))
    print("It and localstripe's state were moved to %s; a fresh pair is made now." % old.relative_to(ROOT))
    empty_file_cache(settings)
    return 0


def empty_file_cache(settings) -> None:
    cache = settings.CACHES["default"]
    if cache["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache":
        shutil.rmtree(cache["LOCATION"], ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
