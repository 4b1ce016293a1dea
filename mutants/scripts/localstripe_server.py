#!/usr/bin/env python3
"""Run localstripe, a stateful fake of the Stripe API, on 127.0.0.1.

Unlike localstripe's own CLI this listens on the loopback interface only and
keeps its state in memory: the pickle file it would rewrite in the system's
temporary folder after every change is neither written nor read, so parallel
instances (tests, dev server) never share or leak state.

    .venv/bin/python scripts/localstripe_server.py --port 8420

SIGINT and SIGTERM stop it cleanly (exit status 0).
"""

import argparse
import logging
import sys

import localstripe.resources
from aiohttp import web


def _skip_disk(self):
    """Keep the store in memory only."""


# Patch the class before the server module uses the store; the server's
# middleware looks the method up on every write request.
localstripe.resources.Store.dump_to_disk = _skip_disk
localstripe.resources.Store.try_load_from_disk = _skip_disk

from localstripe.server import app  # noqa: E402  (must come after the patch)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8420, help="TCP port (default 8420)")
    parser.add_argument("--access-log", action="store_true", help="log every request (quiet by default)")
    parser.add_argument(
        "--log-webhooks",
        action="store_true",
        help="log webhook deliveries (localstripe reports them on the access logger)",
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    access_logger = logging.getLogger("aiohttp.access")
    if args.access_log or args.log_webhooks:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("[localstripe] %(message)s"))
        access_logger.addHandler(handler)
        access_logger.setLevel(logging.INFO)
        access_logger.propagate = False

    url = "http://127.0.0.1:%d" % args.port
    web.run_app(
        app,
        host="127.0.0.1",
        port=args.port,
        access_log=access_logger if args.access_log else None,
        shutdown_timeout=3,
        # run_app calls this once the socket is listening.
        print=lambda _banner: print("localstripe listening on %s" % url, flush=True),
    )


if __name__ == "__main__":
    main()
