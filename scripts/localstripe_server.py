#!/usr/bin/env python3
"""Run localstripe, a stateful fake of the Stripe API, on 127.0.0.1.

Unlike localstripe's own CLI this listens on the loopback interface only, and
never reads or writes the pickle file that CLI shares in the system's temporary
folder, so parallel instances (tests, dev server) never share or leak state.

By default the state lives in memory only (tests). With --state-file it is
loaded from that file at start and written back after every write request, as
localstripe's own CLI does with its pickle: `make run` keeps it beside the
SQLite database under var/, so a restart still knows the customers, cards and
payments the database refers to (removing one of the two means removing both).

    .venv/bin/python scripts/localstripe_server.py --port 8420
    .venv/bin/python scripts/localstripe_server.py --port 8420 --state-file var/localstripe.pickle

SIGINT and SIGTERM stop it cleanly (exit status 0).
"""

import argparse
import logging
import os
import pickle
import sys
from pathlib import Path

import localstripe.resources
from aiohttp import web

Store = localstripe.resources.Store

# Where the store is kept; None keeps it in memory only. Set by main() before the server starts.
_state_file: Path | None = None


def _dump(store):
    """Write the whole store to the state file (atomically: a crash mid-write keeps the old file)."""
    if _state_file is None:
        return
    partial = _state_file.with_name(_state_file.name + ".partial")
    with open(partial, "wb") as f:
        pickle.dump(dict(store), f, protocol=pickle.HIGHEST_PROTOCOL)
        f.flush()
        os.fsync(f.fileno())
    os.replace(partial, _state_file)


def _load(store):
    if _state_file is None:
        return
    try:
        with open(_state_file, "rb") as f:
            saved = pickle.load(f)
    except FileNotFoundError:
        return
    store.clear()
    dict.update(store, saved)


# Patch the class before the server module uses the store; the server's
# middleware calls dump_to_disk after every write request (POST, PUT, DELETE,
# including DELETE /_config/data). Store.__setitem__/__delitem__ would dump the
# whole store once per object as well: plain dict ones leave that to the
# middleware, once per request.
Store.dump_to_disk = _dump
Store.try_load_from_disk = _load

# localstripe lists a kind of object by scanning every key of the store ("charge:…", "customer:…"),
# and a charge's answer lists its refunds about a dozen times (refunds, amount_refunded, refunded):
# each payment cost time in proportion to everything the fake had ever made, so a renewal day of
# thousands of charges ran at a few a second, the fake at a full core (bench/renewal_day.py). The
# store keeps an index by kind beside the dict, in the store's own order, and lists read it.
_by_kind: dict[str, dict] = {}


def _kind(key):
    return key.split(":", 1)[0]


def _set(store, key, value):
    dict.__setitem__(store, key, value)
    _by_kind.setdefault(_kind(key), {})[key] = value


def _delete(store, key):
    dict.__delitem__(store, key)
    _by_kind.get(_kind(key), {}).pop(key, None)


def _clear(store):
    dict.clear(store)
    _by_kind.clear()


def _reindex(store):
    _by_kind.clear()
    for key, value in dict.items(store):
        _by_kind.setdefault(_kind(key), {})[key] = value


def _load_and_index(store):
    _load(store)
    _reindex(store)


Store.__setitem__ = _set
Store.__delitem__ = _delete
Store.clear = _clear
Store.try_load_from_disk = _load_and_index
_reindex(localstripe.resources.store)


def _list_all(cls, url, limit=None, starting_after=None, **kwargs):
    # localstripe's StripeObject._api_list_all, reading the index instead of every key.
    if kwargs:
        raise localstripe.resources.UserError(400, "Unexpected " + ", ".join(kwargs.keys()))
    listed = localstripe.resources.List(url, limit=limit, starting_after=starting_after)
    listed._list = list(_by_kind.get(cls.object, {}).values())
    return listed


localstripe.resources.StripeObject._api_list_all = classmethod(_list_all)

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
    parser.add_argument(
        "--state-file",
        type=Path,
        default=None,
        help="keep the state in this pickle file (loaded at start, rewritten after every change); default: memory only",
    )
    return parser.parse_args(argv)


def main(argv=None):
    global _state_file
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.state_file is not None:
        _state_file = args.state_file.resolve()
        _state_file.parent.mkdir(parents=True, exist_ok=True)
        try:
            localstripe.resources.store.try_load_from_disk()
        except Exception as exc:  # unreadable: say which file, and that it goes with the database
            sys.exit(
                "localstripe: cannot read its state file %s (%s). Starting from scratch means removing it "
                "together with the database that refers to its customers and cards." % (_state_file, exc)
            )
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
