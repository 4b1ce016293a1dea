#!/usr/bin/env python3
"""Whole purchases through the wizard, over loopback, on the production-like stack (scripts/prod-stack.sh).

    scripts/prod-stack.sh start
    .venv/bin/python bench/load.py --purchases 20 --concurrency 8

Each purchase is one fresh organisation (a Global admin, enrolled in the network) going through
the whole wizard: sign in → Subscribe now → terms → billing profile (when asked) → card (created
at localstripe as stripe.js would) → review → Buy → confirmation. --concurrency client threads
buy at once. It prints the wizard's HTTP requests (requests/s, p50 and p99 per request, answers
that are not 2xx/3xx, connection errors) and the whole purchases (how many reached the
confirmation, purchases/s, p50 and p99 of one purchase from sign-in to confirmation). Skipped
with a note when the wizard's URLs do not exist.

A Python client (threads, one ``requests`` session per purchase) because the flow needs logic:
each step reads the previous answer (CSRF tokens, the redirects' locations), and the card is
created at localstripe between two steps. Page throughput comes from wrk (bench/pages_wrk.py), a
compiled client: a Python client competes with the server for the same cores, so its figures are
as much the client's as the server's.

It reads the stack's generated settings (``$PRODSTACK_DIR/env``) to prepare the accounts in the
stack's database. The other helpers here (read_env_file, setup_django, prepare_buyers, login,
action_pack, purchase, Phase) serve bench/run_all.py, bench/pages_wrk.py and tests/stack/.
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


def csrf_headers(session):
    return {"X-CSRFToken": session.cookies.get("csrftoken", "")}


def login(base, email):
    session = LoopbackSession()
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


def percentile_ms(seconds, q):
    """The q-th percentile (nearest rank) of durations in seconds, in milliseconds."""
    if not seconds:
        return 0.0
    ordered = sorted(seconds)
    index = min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[index] * 1000


@dataclass
class Phase:
    """The wizard's HTTP requests (latency and status of each) and the whole purchases of one run."""

    name: str
    latencies: list = field(default_factory=list)
    statuses: dict = field(default_factory=dict)
    errors: int = 0  # connection errors and timeouts
    bad: int = 0  # answers that are not 2xx/3xx
    elapsed: float = 0.0
    completed: int = 0  # whole purchases that ended on the confirmation page
    attempted: int = 0
    purchase_durations: list = field(default_factory=list)  # of completed purchases, sign-in to confirmation
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

    def summary(self):
        data = {
            "phase": self.name,
            "requests": len(self.latencies),
            "rps": round(len(self.latencies) / self.elapsed, 1) if self.elapsed else 0.0,
            "p50_ms": round(percentile_ms(self.latencies, 50), 1),
            "p99_ms": round(percentile_ms(self.latencies, 99), 1),
            "non_2xx_3xx": self.bad,
            "errors": self.errors,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items(), key=lambda kv: str(kv[0]))},
            "purchases": self.attempted,
            "purchases_completed": self.completed,
            "purchases_per_s": round(self.completed / self.elapsed, 2) if self.elapsed else 0.0,
            "purchase_p50_ms": round(percentile_ms(self.purchase_durations, 50), 1),
            "purchase_p99_ms": round(percentile_ms(self.purchase_durations, 99), 1),
        }
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
    """One whole purchase per e-mail, ``concurrency`` at a time; each completed one's duration kept."""

    def one(email):
        started = time.perf_counter()
        try:
            ok = purchase(phase, base, email, offer_id, stripe_base, stripe_key)
        except (requests.RequestException, RuntimeError) as exc:
            print("  purchase as %s failed: %s" % (email, exc), file=sys.stderr)
            ok = False
        duration = time.perf_counter() - started
        with phase.lock:
            phase.attempted += 1
            phase.completed += int(ok)
            if ok:
                phase.purchase_durations.append(duration)

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


def print_table(result):
    if result.get("note"):
        print("purchase: %s" % result["note"])
        return
    print("%-16s %6s %8s %9s %9s %12s %7s" % ("", "count", "per s", "p50 ms", "p99 ms", "non-2xx/3xx", "errors"))
    print(
        "%-16s %6d %8.1f %9.1f %9.1f %12d %7d"
        % (
            "wizard requests",
            result["requests"],
            result["rps"],
            result["p50_ms"],
            result["p99_ms"],
            result["non_2xx_3xx"],
            result["errors"],
        )
    )
    print(
        "%-16s %6d %8.2f %9.1f %9.1f"
        % (
            "whole purchases",
            result["purchases_completed"],
            result["purchases_per_s"],
            result["purchase_p50_ms"],
            result["purchase_p99_ms"],
        )
    )
    print(
        "%d of %d purchases reached 'Your order is confirmed.'" % (result["purchases_completed"], result["purchases"])
    )


def main(argv=None):
    """The purchase phase's summary (also written to --json)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env-file", default=os.environ.get("PRODSTACK_DIR", str(ROOT / "var/prodstack")) + "/env")
    parser.add_argument("--concurrency", type=int, default=8, help="purchases at once (default 8)")
    parser.add_argument("--purchases", type=int, default=20, help="whole purchases (default 20)")
    parser.add_argument("--json", help="write the summary to this file")
    args = parser.parse_args(argv)
    if args.purchases < 1:
        parser.error("--purchases must be at least 1")

    env = read_env_file(args.env_file)
    base = env["PRODSTACK_URL"]
    setup_django(env)
    tag = "%s%s" % (time.strftime("%H%M%S"), secrets.token_hex(2))
    offer = action_pack()
    buyers = prepare_buyers(args.purchases, tag)
    print(
        "purchases on %s: %d fresh organisations, %d at once" % (base, len(buyers), min(args.concurrency, len(buyers)))
    )

    if purchase_urls_exist(base, login(base, buyers[0]), offer.pk):
        phase = run_purchases(
            Phase("purchase"),
            base,
            buyers,
            offer.pk,
            env["STRIPE_API_BASE"],
            env["STRIPE_SECRET_KEY"],
            args.concurrency,
        )
        result = phase.summary()
    else:
        result = Phase("purchase", note="skipped: the purchase wizard URLs do not exist yet").summary()

    print_table(result)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return result


def went_wrong(result):
    """True when a wizard answer was not 2xx/3xx, a request could not connect or a purchase did not
    reach the confirmation (the goal is none of these)."""
    return bool(result["non_2xx_3xx"] or result["errors"] or result["purchases_completed"] < result["purchases"])


if __name__ == "__main__":
    sys.exit(1 if went_wrong(main()) else 0)
