#!/usr/bin/env python3
"""Where a warm request for each signed-in page spends its time, on the demo data or a big organisation.

    PAGE_CACHE_SECONDS=0 .venv/bin/python bench/profile_pages.py [--big] [--requests 200] [--tree]

Builds bench/sqlite_server.py's SQLite database (with --big also bench/big_org_data.py's organisation,
whose Billing admin is then the reader), then in a child process with the same settings signs the
reader in and, per page: 20 warm-up requests, --requests timed ones through bench.bare:application
(what gunicorn serves; one process, no network), then the same number under cProfile, printing the
CPU time per request (best of five batches; the bare view's too) and the split (template rendering, queries, middleware) and, with --tree,
pyinstrument's call tree of one more batch. Run it with PAGE_CACHE_SECONDS=0: a page served from
the whole-page cache measures the cache, not the render. Not a test: nothing is asserted.
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import sqlite_server  # noqa: E402

BUILD_BIG = """
from bench import big_org_data
big_org_data.build()
"""

CHILD = r"""
import cProfile, pstats, sys, time
from io import BytesIO
import django
django.setup()
import bench.bare
from django.conf import settings
from django.test import Client
from django.urls import reverse
from membership.models import User
from offers.models import Subscription

email, count, tree = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "tree"
user = User.objects.get(email=email)
client = Client()
client.force_login(user)
from django.middleware.csrf import _get_new_csrf_string
# The session and the CSRF cookie, as a browser (and bench/pages_wrk.py) sends them: without the
# second, every page would make a new CSRF secret and set its cookie, which a reader pays once.
cookie = "%s=%s; %s=%s" % (
    settings.CSRF_COOKIE_NAME, _get_new_csrf_string(),
    settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value,
)
subscription = Subscription.objects.filter(organization=user.organization).order_by("-pk").first()
paths = ["/partnership/offers/", reverse("subscriptions:detail", args=[subscription.pk]), "/billing/",
         "/support/requests/", "/membership/dashboard/"]
statuses = []

def get(path):
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
               "HTTP_HOST": "127.0.0.1", "HTTP_COOKIE": cookie, "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
               "wsgi.input": BytesIO()}
    return len(b"".join(bench.bare.application(environ, lambda s, h, e=None: statuses.append(s))))

def cumulative(stats, filename_part, function):
    total = 0.0
    for (filename, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
        if name == function and filename_part in filename:
            total = max(total, ct)
    return total / count * 1000

def cpu_ms(path):
    # CPU time of this process, the best of five batches: the machine is shared, and wall time
    # measured the neighbours as much as the page.
    best = None
    for _ in range(5):
        started = time.process_time()
        for _ in range(max(count // 5, 1)):
            get(path)
        spent = (time.process_time() - started) / max(count // 5, 1) * 1000
        best = spent if best is None else min(best, spent)
    return best

for _ in range(20):
    get("/__bench/bare")
bare = cpu_ms("/__bench/bare")
for path in paths + ["/__bench/bare-mw", "/__bench/bare"]:  # bare-mw: the middleware, session and user alone
    for _ in range(20):
        size = get(path)
    plain = cpu_ms(path)
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(count):
        get(path)
    profile.disable()
    assert set(statuses) == {"200 OK"}, (path, set(statuses))
    stats = pstats.Stats(profile)
    whole = cumulative(stats, "django/core/handlers/wsgi.py", "__call__")
    page = cumulative(stats, "django/core/handlers/base.py", "_get_response")
    print("\n### %s: %.2f ms CPU per request without the profiler (%.1f x the bare view's %.2f ms), %d bytes"
          % (path, plain, plain / bare, bare, size))
    for label, ms in [
        ("whole request (profiled)", whole),
        ("view + template", page),
        ("template rendering (Template.render)", cumulative(stats, "django/template/base.py", "render")),
        ("middleware and handler around the view", whole - page),
        ("queries (CursorWrapper._execute)", cumulative(stats, "django/db/backends/utils.py", "_execute")),
        ("cache get/set (page cache)", cumulative(stats, "django/core/cache/backends/filebased.py", "get")
         + cumulative(stats, "django/core/cache/backends/filebased.py", "set")),
        ("money (format_money)", cumulative(stats, "partnerportal/money.py", "format_money")),
        ("date filter", cumulative(stats, "django/template/defaultfilters.py", "date")),
        ("navigation", cumulative(stats, "partnerportal/navigation.py", "navigation")),
        ("url reverse", cumulative(stats, "django/urls/base.py", "reverse")),
        ("includes (IncludeNode.render)", cumulative(stats, "django/template/loader_tags.py", "render")),
    ]:
        print("  %-45s %7.2f ms" % (label, ms))
    stats.sort_stats("tottime").print_stats(12)
    if tree:
        from pyinstrument import Profiler
        profiler = Profiler(interval=0.0002)
        profiler.start()
        for _ in range(count):
            get(path)
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False, show_all=False))
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--orders", type=int, default=20)
    parser.add_argument("--big", action="store_true", help="profile bench/big_org_data.py's organisation")
    parser.add_argument("--tree", action="store_true", help="print pyinstrument's call tree too")
    args = parser.parse_args(argv)
    # PAGE_CACHE_SECONDS=0 in the caller's environment profiles the render (the page cache off).
    env = sqlite_server.bench_env("off" if os.environ.get("PAGE_CACHE_SECONDS") == "0" else "on")
    sqlite_server.prepare_database(env, args.orders)
    try:
        email = sqlite_server.EMAIL
        if args.big:
            manage = [sqlite_server.PYTHON, str(ROOT / "manage.py"), "shell", "-c", BUILD_BIG]
            subprocess.run(manage, env=env, cwd=ROOT, check=True)
            email = "billing@big.example"
        command = [sqlite_server.PYTHON, "-c", CHILD, email, str(args.requests), "tree" if args.tree else "-"]
        return subprocess.run(command, env=env, cwd=ROOT, timeout=1200).returncode
    finally:
        sqlite_server.remove_database()


if __name__ == "__main__":
    sys.exit(main())
