#!/usr/bin/env python3
"""Bounded load test over loopback against the production-like stack (scripts/prod-stack.sh).

    scripts/prod-stack.sh start
    .venv/bin/python bench/load.py --requests 1000 --concurrency 8 --purchases 20

A pure-Python client (threads, one ``requests`` session per thread) sends a fixed number of
requests per phase and prints, for each phase, requests/s, p50, p99 and the count of answers
that are not 2xx/3xx (plus connection errors):

  offers         GET Partnership > Offers, signed in
  subscription   GET a subscription's details, signed in
  purchase       the whole purchase wizard per fresh organisation: Subscribe now → terms → card
                 (created at localstripe as stripe.js would) → review → Buy → confirmation;
                 skipped with a note when the wizard's URLs do not exist yet
  bare           (--bare) the bare Django view of bench/bare.py, when gunicorn serves it

It reads the stack's generated settings (``$PRODSTACK_DIR/env``) to prepare accounts in the same
database: one organisation per purchase, with a Global admin, enrolled in the network.
"""

import argparse
import json
import os
import re
import secrets
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-pass-2026-loopback"
OK_CARD = "4242424242424242"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


# --- Stack settings and Django (for preparing accounts) --------------------------------------------


def read_env_file(path):
    """The ``export KEY='value'`` lines prod-stack.sh writes, as a dict."""
    values = {}
    for line in Path(path).read_text().splitlines():
        match = re.match(r"^export ([A-Z0-9_]+)=(.*)$", line.strip())
        if match:
            value = match.group(2)
            if len(value) >= 2 and value[0] == value[-1] == "'":
                value = value[1:-1]
            values[match.group(1)] = value
    return values


def setup_django(env):
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = env.get("DJANGO_SETTINGS_MODULE", "partnerportal.settings.production")
    import django

    django.setup()


def prepare_buyers(count, tag):
    """``count`` enrolled organisations, each with one Global admin; returns their e-mails."""
    from membership.models import Organization, Role, User
    from membership.services import organization_enrol, user_roles_set

    emails = []
    for index in range(count):
        email = "buyer-%s-%03d@bench.example" % (tag, index)
        organization = Organization.objects.create(name="Bench %s %03d" % (tag, index))
        user = User.objects.create_user(
            email=email, password=PASSWORD, organization=organization, first_name="Bench", last_name="Buyer"
        )
        user_roles_set(user=user, roles=[Role.GLOBAL_ADMIN])
        organization_enrol(organization=organization, user=user)
        emails.append(email)
    return emails


def action_pack():
    from offers.demo_catalogue import load_demo_catalogue

    return load_demo_catalogue()


def reverse_or_none(name, *args):
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def subscription_of(email):
    from offers.models import Subscription

    return Subscription.objects.filter(organization__users__email=email).order_by("-pk").first()


# --- HTTP client ---------------------------------------------------------------------------------


class LoopbackSession(requests.Session):
    """Send Secure cookies over plain http to loopback, as browsers do for http://localhost.

    Production marks the session and CSRF cookies Secure; the loopback stack speaks http. (A
    cookie policy on the jar would not do: requests merges the cookies into a fresh jar with
    the default policy for every request.)
    """

    def prepare_request(self, request):
        if urlsplit(request.url).hostname in LOOPBACK:
            for cookie in self.cookies:
                cookie.secure = False
        return super().prepare_request(request)


def new_session():
    return LoopbackSession()


def csrf_headers(session):
    return {"X-CSRFToken": session.cookies.get("csrftoken", "")}


def login(base, email):
    session = new_session()
    session.get(base + "/accounts/login/", timeout=30)
    answer = session.post(
        base + "/accounts/login/",
        data={"username": email, "password": PASSWORD},
        headers=csrf_headers(session),
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code != 302 or "sessionid" not in session.cookies:
        raise RuntimeError("login as %s failed: HTTP %s" % (email, answer.status_code))
    return session


@dataclass
class Phase:
    name: str
    latencies: list = field(default_factory=list)
    statuses: dict = field(default_factory=dict)
    errors: int = 0  # connection errors and timeouts
    bad: int = 0  # answers that are not 2xx/3xx
    elapsed: float = 0.0
    completed: int = 0  # whole purchases that ended on the confirmation page
    attempted: int = 0
    note: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, started, response=None, error=None):
        latency = time.perf_counter() - started
        with self.lock:
            self.latencies.append(latency)
            if error is not None:
                self.errors += 1
                key = type(error).__name__
            else:
                key = response.status_code
                if not 200 <= response.status_code < 400:
                    self.bad += 1
            self.statuses[key] = self.statuses.get(key, 0) + 1

    @property
    def requests(self):
        return len(self.latencies)

    @property
    def rps(self):
        return self.requests / self.elapsed if self.elapsed else 0.0

    def percentile(self, q):
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered) + 0.5)) - 1))
        return ordered[index] * 1000

    def summary(self):
        data = {
            "phase": self.name,
            "requests": self.requests,
            "rps": round(self.rps, 1),
            "p50_ms": round(self.percentile(50), 1),
            "p99_ms": round(self.percentile(99), 1),
            "non_2xx_3xx": self.bad,
            "errors": self.errors,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items(), key=lambda kv: str(kv[0]))},
        }
        if self.attempted:
            data.update(purchases=self.attempted, purchases_completed=self.completed)
        if self.note:
            data["note"] = self.note
        return data


def timed(phase, session, method, url, **kwargs):
    started = time.perf_counter()
    try:
        response = session.request(method, url, allow_redirects=False, timeout=60, **kwargs)
    except requests.RequestException as exc:
        phase.record(started, error=exc)
        return None
    phase.record(started, response=response)
    return response


def run_gets(phase, sessions, url, total):
    """``total`` GETs of ``url`` spread over one thread per session."""
    counter = iter(range(total))
    counter_lock = threading.Lock()

    def worker(session):
        while True:
            with counter_lock:
                if next(counter, None) is None:
                    return
            timed(phase, session, "GET", url)

    started = time.perf_counter()
    with ThreadPoolExecutor(len(sessions)) as pool:
        list(pool.map(worker, sessions))
    phase.elapsed = time.perf_counter() - started
    return phase


def create_card_at_stripe(stripe_base, secret_key):
    """What stripe.js does in the browser: a card PaymentMethod at (local)stripe."""
    answer = requests.post(
        stripe_base + "/v1/payment_methods",
        data={
            "type": "card",
            "card[number]": OK_CARD,
            "card[exp_month]": "12",
            "card[exp_year]": "2030",
            "card[cvc]": "123",
        },
        headers={"Authorization": "Bearer " + secret_key},
        timeout=30,
    )
    answer.raise_for_status()
    return answer.json()["id"]


# The billing profile a load-test buyer gives when the wizard asks for it.
BILLING_PROFILE = {
    "street": "1 Microsoft Way",
    "city": "Redmond",
    "postal_code": "98052",
    "country": "US",
    "tax_id": "",
}


def purchase(phase, base, email, offer_id, stripe_base, stripe_key, session=None):
    """One whole purchase through the wizard; True when it ends on the confirmation page."""
    session = session or login(base, email)
    response = timed(
        phase, session, "POST", "%s/partnership/offers/%d/subscribe/" % (base, offer_id), headers=csrf_headers(session)
    )
    if response is None or response.status_code != 302 or "/terms/" not in response.headers.get("Location", ""):
        return False
    terms_url = (
        base + response.headers["Location"]
        if response.headers["Location"].startswith("/")
        else response.headers["Location"]
    )
    order_base = terms_url.rsplit("/terms/", 1)[0]
    timed(phase, session, "GET", terms_url)
    response = timed(
        phase, session, "POST", terms_url, data={"accept": "on", "accept_terms": "on"}, headers=csrf_headers(session)
    )
    if response is not None and "/billing-profile/" in response.headers.get("Location", ""):
        # A new organisation gives its billing profile once, before paying (product.md).
        timed(phase, session, "GET", order_base + "/billing-profile/")
        response = timed(
            phase,
            session,
            "POST",
            order_base + "/billing-profile/",
            data=BILLING_PROFILE | {"legal_name": email.split("@")[1]},
            headers=csrf_headers(session),
        )
    if response is None or "/payment/" not in response.headers.get("Location", ""):
        return False
    timed(phase, session, "GET", order_base + "/payment/")
    pm_id = create_card_at_stripe(stripe_base, stripe_key)
    response = timed(
        phase, session, "POST", order_base + "/card/", data={"payment_method_id": pm_id}, headers=csrf_headers(session)
    )
    if response is None or response.status_code != 302:
        return False
    timed(phase, session, "GET", order_base + "/review/")
    response = timed(phase, session, "POST", order_base + "/buy/", headers=csrf_headers(session))
    if response is None or "/done/" not in response.headers.get("Location", ""):
        return False
    done = timed(phase, session, "GET", order_base + "/done/")
    return done is not None and done.status_code == 200


def run_purchases(phase, base, emails, offer_id, stripe_base, stripe_key, concurrency):
    def one(email):
        try:
            ok = purchase(phase, base, email, offer_id, stripe_base, stripe_key)
        except (requests.RequestException, RuntimeError) as exc:
            print("  purchase as %s failed: %s" % (email, exc), file=sys.stderr)
            ok = False
        with phase.lock:
            phase.attempted += 1
            phase.completed += int(ok)

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, emails))
    phase.elapsed = time.perf_counter() - started
    return phase


def purchase_urls_exist(base, session, offer_id):
    """The wizard is there when its URLs reverse and the offers page offers Subscribe now."""
    if reverse_or_none("offers:subscribe", offer_id) is None or reverse_or_none("offers:checkout_buy", 1) is None:
        return False
    page = session.get(base + "/partnership/offers/", timeout=30)
    return page.status_code == 200 and ("/partnership/offers/%d/subscribe/" % offer_id) in page.text


def print_table(results):
    print(
        "%-13s %8s %9s %8s %8s %12s %7s" % ("phase", "requests", "req/s", "p50 ms", "p99 ms", "non-2xx/3xx", "errors")
    )
    for r in results:
        if r.get("note") and not r["requests"]:
            print("%-13s %s" % (r["phase"], r["note"]))
            continue
        print(
            "%-13s %8d %9.1f %8.1f %8.1f %12d %7d"
            % (r["phase"], r["requests"], r["rps"], r["p50_ms"], r["p99_ms"], r["non_2xx_3xx"], r["errors"])
        )
        if "purchases" in r:
            print(
                "%-13s %d of %d purchases reached 'Your order is confirmed.'"
                % ("", r["purchases_completed"], r["purchases"])
            )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env-file", default=os.environ.get("PRODSTACK_DIR", str(ROOT / "var/prodstack")) + "/env")
    parser.add_argument("--requests", type=int, default=1000, help="requests per GET phase (default 1000)")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--purchases", type=int, default=20, help="whole purchases (default 20)")
    parser.add_argument("--bare", action="store_true", help="also load /__bench/bare (bench.bare:application)")
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args(argv)

    env = read_env_file(args.env_file)
    base = env["PRODSTACK_URL"]
    setup_django(env)
    tag = "%s%s" % (time.strftime("%H%M%S"), secrets.token_hex(2))
    offer = action_pack()
    buyers = prepare_buyers(args.purchases + 1, tag)
    reader_email, buyers = buyers[0], buyers[1:]
    print(
        "load test on %s: %d requests per page, %d client threads, %d purchases"
        % (base, args.requests, args.concurrency, len(buyers))
    )

    results = []
    probe = login(base, reader_email)
    has_wizard = purchase_urls_exist(base, probe, offer.pk)
    # The reader buys once, so that there is a subscription whose details can be loaded.
    if has_wizard:
        warm = Phase("warm-up")
        if not purchase(warm, base, reader_email, offer.pk, env["STRIPE_API_BASE"], env["STRIPE_SECRET_KEY"]):
            print("note: the warm-up purchase did not reach the confirmation page (statuses %s)" % warm.statuses)

    sessions = [login(base, reader_email) for _ in range(args.concurrency)]
    for session in sessions:  # first hit per session (and per worker connection) is not measured
        session.get(base + "/partnership/offers/", timeout=30)

    if args.bare:
        results.append(
            run_gets(
                Phase("bare"), [new_session() for _ in range(args.concurrency)], base + "/__bench/bare", args.requests
            ).summary()
        )
    results.append(run_gets(Phase("offers"), sessions, base + "/partnership/offers/", args.requests).summary())

    subscription = subscription_of(reader_email)
    detail_url = reverse_or_none("subscriptions:detail", subscription.pk) if subscription else None
    if detail_url:
        results.append(run_gets(Phase("subscription"), sessions, base + detail_url, args.requests).summary())
    else:
        results.append(
            Phase(
                "subscription",
                note="skipped: no subscription details URL or no subscription (purchase wizard missing?)",
            ).summary()
        )

    if has_wizard and buyers:
        phase = run_purchases(
            Phase("purchase"),
            base,
            buyers,
            offer.pk,
            env["STRIPE_API_BASE"],
            env["STRIPE_SECRET_KEY"],
            args.concurrency,
        )
        results.append(phase.summary())
    else:
        results.append(Phase("purchase", note="skipped: the purchase wizard URLs do not exist yet").summary())

    print_table(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    # Exit status 1 when any answer was not 2xx/3xx (the goal is none).
    sys.exit(1 if any(r.get("non_2xx_3xx") or r.get("errors") for r in main()) else 0)
