#!/usr/bin/env python3
"""Where a warm request for Partnership > Offers spends its time: cProfile, on the SQLite bench data.

    .venv/bin/python bench/profile_offers.py [--requests 300] [--path /partnership/offers/]

Builds bench/sqlite_server.py's SQLite database, then in a child process with the same settings
(bench.settings_bench, DEBUG off) signs the demo Billing admin in, sends 30 warm-up requests and
profiles --requests more through bench.bare:application (what gunicorn serves), one process, no
network. Prints the time per request split into: the page through Django (view + template, i.e.
BaseHandler._get_response), its template rendering, its queries, the session and user lookups,
and what is left to the middleware and the handler; then the 25 costliest functions by own time.
Not a test: nothing is asserted.
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import sqlite_server  # noqa: E402

CHILD = r"""
import cProfile, pstats, sys, time
from io import BytesIO
import django
django.setup()
import bench.bare
from django.conf import settings
from django.test import Client
from membership.models import User

path, count = sys.argv[1], int(sys.argv[2])
client = Client()
client.force_login(User.objects.get(email=sys.argv[3]))
cookie = "%s=%s" % (settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value)
environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
           "HTTP_HOST": "127.0.0.1", "HTTP_COOKIE": cookie, "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr}
statuses = []
def get():
    env = dict(environ, **{"wsgi.input": BytesIO()})
    b"".join(bench.bare.application(env, lambda s, h, e=None: statuses.append(s)))
for _ in range(30):
    get()
started = time.perf_counter()
for _ in range(count):
    get()
plain = (time.perf_counter() - started) / count
profile = cProfile.Profile()
profile.enable()
for _ in range(count):
    get()
profile.disable()
assert set(statuses) == {"200 OK"}, set(statuses)
stats = pstats.Stats(profile)

def cumulative(filename_part, function):
    total = 0.0
    for (filename, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
        if name == function and filename_part in filename:
            total = max(total, ct)  # the outermost frame of a recursive function
    return total / count * 1000

whole = cumulative("django/core/handlers/wsgi.py", "__call__")
page = cumulative("django/core/handlers/base.py", "_get_response")
rows = [
    ("whole request through the handler (profiled)", whole),
    ("  view + template (BaseHandler._get_response)", page),
    ("    template rendering (Template.render)", cumulative("django/template/base.py", "render")),
    ("  middleware and handler around the view", whole - page),
    ("queries (CursorWrapper._execute, anywhere)", cumulative("django/db/backends/utils.py", "_execute")),
    ("session load (SessionBase._get_session)", cumulative("django/contrib/sessions/backends/base.py", "_get_session")),
    ("user lookup (auth.get_user)", cumulative("django/contrib/auth/__init__.py", "get_user")),
    ("CSRF (CsrfViewMiddleware.process_view)", cumulative("django/middleware/csrf.py", "process_view")),
    ("locale (UserLocaleMiddleware.process_request)", cumulative("membership/middleware.py", "process_request")),
    ("template parsing (Parser.parse; 0 = templates cached)", cumulative("django/template/base.py", "parse")),
]
print("%s: %.2f ms per request without the profiler (%d requests, one process, no network)" % (path, plain * 1000, count))
print("with cProfile, per request:")
for label, ms in rows:
    print("  %-50s %7.2f ms" % (label, ms))
stats.sort_stats("tottime").print_stats(25)
stats.print_callees("get_user")
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--path", default="/partnership/offers/")
    parser.add_argument("--orders", type=int, default=20)
    args = parser.parse_args(argv)
    # PAGE_CACHE_SECONDS=0 in the caller's environment profiles the render (the page cache off).
    env = sqlite_server.bench_env("off" if os.environ.get("PAGE_CACHE_SECONDS") == "0" else "on")
    sqlite_server.prepare_database(env, args.orders)
    try:
        command = [sqlite_server.PYTHON, "-c", CHILD, args.path, str(args.requests), sqlite_server.EMAIL]
        return subprocess.run(command, env=env, cwd=ROOT, timeout=600).returncode
    finally:
        sqlite_server.remove_database()


if __name__ == "__main__":
    sys.exit(main())
