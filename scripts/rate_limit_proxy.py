#!/usr/bin/env python3
"""A rate-limiting HTTP proxy in front of localstripe, answering above the limit as Stripe does.

A token bucket (``--rate`` tokens a second, ``--burst`` at most, full at the start) admits a request
when it holds a token; otherwise the answer is Stripe's: HTTP 429 with the JSON error
``{"error": {"type": "invalid_request_error", "code": "rate_limit", "message": ...}}``, and the request
never reaches localstripe (Stripe does not act on a rate-limited request). Admitted requests are
forwarded as they are (headers, Idempotency-Key included) over kept-alive connections.

``GET /_proxy/stats`` (not limited, not forwarded) answers the counts as JSON: requests admitted,
answered 429, PaymentIntent creations admitted and their distinct Idempotency-Keys. One aiohttp event loop, bound to 127.0.0.1.

    .venv/bin/python scripts/rate_limit_proxy.py --upstream http://127.0.0.1:8420 --port 8421 --rate 25
"""

import argparse
import asyncio
import json
import signal
import time

from aiohttp import ClientSession, ClientTimeout, TCPConnector, web

RATE_LIMITED = {
    "error": {
        "type": "invalid_request_error",
        "code": "rate_limit",
        "message": (
            "Request rate limit exceeded. You can learn more about rate limits here "
            "https://stripe.com/docs/rate-limits."
        ),
        "doc_url": "https://stripe.com/docs/error-codes/rate-limit",
    }
}
# Hop-by-hop headers and the ones aiohttp sets itself.
SKIPPED = {"host", "content-length", "connection", "transfer-encoding", "keep-alive", "server", "date"}


class TokenBucket:
    def __init__(self, rate, burst):
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.updated = time.monotonic()

    def take(self):
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


def build_app(upstream, rate, burst):
    bucket = TokenBucket(rate, burst)
    stats = {"admitted": 0, "limited": 0, "intents_admitted": 0, "intent_keys_distinct": 0, "started": time.time()}
    # Stripe acts once per idempotency key; localstripe ignores keys, so the proxy counts them.
    intent_keys = set()
    upstream = upstream.rstrip("/")

    async def on_startup(app):
        app["session"] = ClientSession(
            connector=TCPConnector(limit=64), timeout=ClientTimeout(total=60), auto_decompress=False
        )

    async def on_cleanup(app):
        await app["session"].close()

    async def stats_view(request):
        return web.json_response(stats)

    async def forward(request):
        if not bucket.take():
            stats["limited"] += 1
            return web.json_response(RATE_LIMITED, status=429, headers={"Request-Id": "req_ratelimited"})
        stats["admitted"] += 1
        if request.method == "POST" and request.path.rstrip("/") == "/v1/payment_intents":
            stats["intents_admitted"] += 1
            intent_keys.add(request.headers.get("Idempotency-Key"))
            stats["intent_keys_distinct"] = len(intent_keys)
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in SKIPPED}
        async with request.app["session"].request(
            request.method, upstream + request.path_qs, data=body or None, headers=headers
        ) as answer:
            payload = await answer.read()
            out = {k: v for k, v in answer.headers.items() if k.lower() not in SKIPPED}
            return web.Response(status=answer.status, body=payload, headers=out)

    app = web.Application(client_max_size=16 * 1024 * 1024)
    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    app.router.add_get("/_proxy/stats", stats_view)
    app.router.add_route("*", "/{tail:.*}", forward)
    return app


async def serve(args):
    runner = web.AppRunner(build_app(args.upstream, args.rate, args.burst or args.rate), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", args.port)
    await site.start()
    print(json.dumps({"listening": "http://127.0.0.1:%d" % args.port, "rate": args.rate}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="localstripe's base URL")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rate", type=float, default=25.0, help="requests a second (Stripe test mode: 25)")
    parser.add_argument("--burst", type=float, default=0, help="bucket size (default: one second's worth)")
    asyncio.run(serve(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
