#!/usr/bin/env python3
"""Ten minutes of a day's mixed load on the production-like stack, printed minute by minute (``make soak``).

    .venv/bin/python bench/soak.py [--seconds 600] [--load 0.8] [--organizations 150] [--sessions 400]
    SOAK_SECONDS=120 make soak        (a shorter run)

1. Starts its own production-like stack (scripts/prod-stack.sh in var/prodstack-soak/, ports
   8880/8890, database prodstack_soak made afresh, Redis databases 5 and 6, gunicorn's 3 sync
   workers, one Celery worker, one beat), with the beat's sweep every minute
   (SUBSCRIPTION_SWEEP_EVERY_MINUTES=1) so that it runs during the load.
2. Prepares, in the stack's database: bench/mixed_wrk.py's organisations and signed-in sessions
   (Offers, subscription details, billing history, requests list, dashboard, overview), fresh
   buyers for whole purchases, partners who file service requests, and a staff user.
3. Measures the capacity with the side load of step 4 running: wrk with bench/soak.lua, unpaced, for
   15 s. Then paces wrk's connections (wrk's delay()) at --load of that (80 %), tried over 10 s and
   set again after each minute from the rate that minute gave.
4. Runs --seconds of load, one wrk run a minute (so each minute has its own req/s, p50 and p99),
   while Python threads make about 1 % of the requests whole purchases through the wizard
   (bench/load.py) and, now and then, file a service request and read the staff's admin queue and
   a request in admin. Each minute also reads the resident memory (RSS) of every gunicorn and
   Celery process, the stack's PostgreSQL connections, the kernel's TCP counters (listen queue
   overflows, retransmissions, timeouts), the machine's CPU shares (busy, iowait, the hypervisor's
   steal), each service's CPU seconds (gunicorn, Celery, beat, localstripe, PostgreSQL, Redis, this
   process, wrk) and how late a probe process that only sleeps 1 ms at a time woke up at worst: a long
   p99 with the probe late by as much is the machine, not the server.
5. Checks: no answer >= 500, the last minute's p99 <= 1.2 x the first's, RSS growth <= 10 %,
   PostgreSQL connections flat, and every purchase that reached the confirmation paid once
   (one succeeded payment per order, one invoice per payment). Prints the table and a last line:

   soak: <errors> errors, p99 first/last minute <a>/<b> ms, RSS growth <r> %, connections <c0>-><c1>

Stops the stack whatever happened (--keep leaves it up). Exit status 1 when a goal is missed. Not
in CI (about 12 minutes with the setup): a benchmark, run on a quiet machine.
"""

import argparse
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import load  # noqa: E402
import mixed_wrk  # noqa: E402
import pages_wrk  # noqa: E402

STACK = ROOT / "scripts" / "prod-stack.sh"
LUA = ROOT / "bench" / "soak.lua"
THREADS = 2
CONNECTIONS = 8
# What a whole purchase costs in requests (bench/load.py's wizard: sign-in, subscribe, terms,
# billing profile, card page and card, review, buy, confirmation), to hold purchases at ~1 %.
REQUESTS_PER_PURCHASE = 12
TCP_COUNTERS = ("ListenOverflows", "ListenDrops", "RetransSegs", "TCPTimeouts", "TCPSynRetrans")


def stack_env():
    env = dict(os.environ)
    env.setdefault("PRODSTACK_DIR", str(ROOT / "var" / "prodstack-soak"))
    env.setdefault("PRODSTACK_WEB_PORT", "8880")
    env.setdefault("PRODSTACK_STRIPE_PORT", "8890")
    env["PRODSTACK_FRESH_DB"] = "1"
    env["PRODSTACK_DEMO_DATA"] = "0"
    env["DATABASE_URL"] = os.environ.get("SOAK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/prodstack_soak")
    env["CELERY_BROKER_URL"] = os.environ.get("SOAK_BROKER_URL", "redis://127.0.0.1:6379/5")
    env["CACHE_URL"] = os.environ.get("SOAK_CACHE_URL", "redis://127.0.0.1:6379/6")
    env["SUBSCRIPTION_SWEEP_EVERY_MINUTES"] = "1"
    for key in ("REDIS_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(key, None)
    return env


# --- what each minute reads from the machine ------------------------------------------------------


def _children(pid):
    """``pid`` and every process below it (gunicorn's master and workers; Celery's and its pool's)."""
    found, frontier = [], [pid]
    while frontier:
        current = frontier.pop()
        found.append(current)
        try:
            tasks = Path("/proc/%d/task" % current).iterdir()
            for task in tasks:
                children = (task / "children").read_text().split()
                frontier.extend(int(child) for child in children)
        except OSError:
            continue
    return found


def _rss_kib(pid):
    try:
        for line in Path("/proc/%d/status" % pid).read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_by_service(stack_dir):
    """{service: {pid: RSS in KiB}} for gunicorn, the Celery worker and beat (their pid files)."""
    found = {}
    for service in ("gunicorn", "worker", "beat"):
        pid_file = Path(stack_dir) / ("%s.pid" % service)
        if not pid_file.exists():
            continue
        root = int(pid_file.read_text().split()[0])
        found[service] = {pid: _rss_kib(pid) for pid in _children(root) if _rss_kib(pid)}
    return found


def _cpu_ticks(pid):
    # The process's own CPU and that of the children it has reaped (/proc/<pid>/stat's utime, stime,
    # cutime, cstime): summed over a tree, a recycled gunicorn worker or a closed PostgreSQL backend
    # still counts, in its parent.
    try:
        fields = Path("/proc/%d/stat" % pid).read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return sum(int(field) for field in fields[11:15])


def _pids_named(*names):
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in names:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def cpu_by_service(stack_dir):
    """{service: CPU ticks so far} of gunicorn, the Celery worker, beat, localstripe, PostgreSQL,
    Redis, this process (its purchase and staff threads) and wrk: what each took of a minute."""
    ticks = {}
    for service in ("gunicorn", "worker", "beat", "localstripe"):
        pid_file = Path(stack_dir) / ("%s.pid" % service)
        if pid_file.exists():
            ticks[service] = sum(_cpu_ticks(pid) for pid in _children(int(pid_file.read_text().split()[0])))
    ticks["postgres"] = sum(_cpu_ticks(pid) for pid in _pids_named("postgres"))
    ticks["redis"] = sum(_cpu_ticks(pid) for pid in _pids_named("redis-server"))
    own = resource.getrusage(resource.RUSAGE_SELF)
    ticks["soak"] = (own.ru_utime + own.ru_stime) * os.sysconf("SC_CLK_TCK")
    # wrk, a child that has exited when a minute ends: the children's CPU as the kernel counted it.
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    ticks["wrk"] = (children.ru_utime + children.ru_stime) * os.sysconf("SC_CLK_TCK")
    return ticks


def cpu_seconds(before, after):
    """{service: CPU seconds} between two ``cpu_by_service`` readings."""
    hertz = os.sysconf("SC_CLK_TCK")
    return {name: (after.get(name, 0) - before.get(name, 0)) / hertz for name in after}


def tcp_counters():
    """The kernel's TCP counters named in TCP_COUNTERS (/proc/net/netstat and /proc/net/snmp)."""
    values = {}
    for source in ("/proc/net/netstat", "/proc/net/snmp"):
        lines = Path(source).read_text().splitlines()
        for names, numbers in zip(lines[::2], lines[1::2], strict=False):
            prefix, names = names.split(":", 1)
            for name, number in zip(names.split(), numbers.split(":", 1)[1].split(), strict=False):
                if prefix in ("TcpExt", "Tcp") and name in TCP_COUNTERS:
                    values[name] = int(number)
    return values


def cpu_times():
    """The machine's CPU time so far (/proc/stat's first line): busy, idle, iowait and steal, in ticks."""
    fields = [int(n) for n in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return {"busy": user + nice + system + irq + softirq, "idle": idle, "iowait": iowait, "steal": steal}


def cpu_shares(before, after):
    """{busy, iowait, steal}: each as a percentage of the time between two cpu_times()."""
    spent = {name: after[name] - before[name] for name in before}
    total = sum(spent.values()) or 1
    return {name: 100 * spent[name] / total for name in ("busy", "iowait", "steal")}


# A process that does nothing but sleep 1 ms at a time, and says each second how late its longest
# wake-up was. A server's p99 of hundreds of ms with this probe late by as much is the machine (the
# CPUs taken, or the hypervisor's steal), not the server.
STALL_PROBE = """
import sys, time
window, worst = time.monotonic(), 0.0
while True:
    before = time.monotonic()
    time.sleep(0.001)
    worst = max(worst, time.monotonic() - before - 0.001)
    if before - window >= 1:
        print("%.1f" % (worst * 1000), flush=True)
        window, worst = before, 0.0
"""


class StallProbe:
    """The probe's per-second worst lateness (ms), collected by a thread; ``take()`` the worst since the last."""

    def __init__(self):
        self.process = subprocess.Popen([sys.executable, "-c", STALL_PROBE], stdout=subprocess.PIPE, text=True)
        self.worst, self.lock = 0.0, threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            with self.lock:
                self.worst = max(self.worst, float(line))

    def take(self):
        with self.lock:
            worst, self.worst = self.worst, 0.0
        return worst

    def stop(self):
        self.process.kill()


def database_connections():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


# --- the load -----------------------------------------------------------------------------------


def wrk_paced(base, entries, seconds, pause_ms):
    """One wrk run of bench/soak.lua: req/s, p50, p99 (ms), answers other than 200 and >= 500."""
    command = [pages_wrk.WRK, "-t%d" % THREADS, "-c%d" % CONNECTIONS, "-d%ds" % seconds, "--latency"]
    command += ["--timeout", "10s", "-s", str(LUA), base, "--", str(entries), str(THREADS), str(pause_ms)]
    output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    requests_line = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    counts = re.search(r"MIXED not200=(\d+) errors5xx=(\d+) answered=(\d+)", output)
    elapsed = pages_wrk._ms(requests_line.group(2), requests_line.group(3)) / 1000
    return {
        "rps": int(requests_line.group(1)) / elapsed,
        "p50": pages_wrk._percentile(output, "50"),
        "p99": pages_wrk._percentile(output, "99"),
        "not200": int(counts.group(1)),
        "errors": int(counts.group(2)) + (sum(int(n) for n in socket_errors.groups()) if socket_errors else 0),
    }


def pace_for(rate, latency_ms):
    """The pause (ms) before each request of a connection that holds CONNECTIONS at ``rate`` req/s."""
    return max(0, int(CONNECTIONS * 1000 / rate - latency_ms))


def repace(pause, target, run):
    """The pause for the next run, from what the last one gave: a rate off the target by more than 3 %
    moves it (the latency at this load, not at capacity, and the side load as it is now)."""
    if run["rps"] <= 0 or abs(run["rps"] - target) <= target * 0.03:
        return pause
    return pace_for(target, CONNECTIONS * 1000 / run["rps"] - pause)


class Background:
    """Purchases, service requests and staff reads beside wrk, each in its own thread, until stopped."""

    def __init__(self, base, values, buyers, filers, staff_email, offer_id, purchases_per_second):
        self.base, self.values = base, values
        self.buyers, self.filers, self.staff_email, self.offer_id = list(buyers), list(filers), staff_email, offer_id
        self.interval = 1 / purchases_per_second if purchases_per_second > 0 else 60
        self.phase = load.Phase("soak purchases")
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.completed, self.attempted, self.failures = 0, 0, []
        self.server_errors = 0  # answers >= 500 to these threads' requests
        self.side_requests = 0
        self.threads = [
            threading.Thread(target=self._purchases, daemon=True),
            threading.Thread(target=self._support_and_staff, daemon=True),
        ]

    def start(self):
        for thread in self.threads:
            thread.start()

    def finish(self):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=120)

    def _note(self, response):
        with self.lock:
            self.side_requests += 1
            if response is not None and response.status_code >= 500:
                self.server_errors += 1

    def _purchases(self):
        stripe_base, stripe_key = self.values["STRIPE_API_BASE"], self.values["STRIPE_SECRET_KEY"]
        while not self.stop.is_set() and self.buyers:
            began = time.monotonic()
            email = self.buyers.pop()
            try:
                ok = load.purchase(self.phase, self.base, email, self.offer_id, stripe_base, stripe_key)
            except Exception as exc:  # noqa: BLE001  (any failure is reported, the soak goes on)
                ok = False
                self.failures.append("%s: %s" % (email, exc))
            with self.lock:
                self.attempted += 1
                self.completed += int(ok)
            self.stop.wait(max(0, self.interval - (time.monotonic() - began)))

    def _support_and_staff(self):
        rng = random.Random(2026)
        staff = None
        while not self.stop.is_set():
            try:
                if self.filers:
                    self._file_request(rng.choice(self.filers), rng)
            except Exception as exc:  # noqa: BLE001  (any failure is reported, the soak goes on)
                self.failures.append("service request: %s" % exc)
            try:
                staff = staff or load.login(self.base, self.staff_email)
                self._note(staff.get(self.base + "/admin/", timeout=30))
                listing = staff.get(self.base + "/admin/support/servicerequest/", timeout=30)
                self._note(listing)
                found = re.search(r'href="(/admin/support/servicerequest/\d+/change/)', listing.text)
                if found:
                    self._note(staff.get(self.base + found.group(1), timeout=30))
            except Exception as exc:  # noqa: BLE001
                self.failures.append("staff: %s" % exc)
            self.stop.wait(5)

    def _file_request(self, email, rng):
        session = load.login(self.base, email)
        form = session.get(self.base + "/support/requests/new/", timeout=30)
        self._note(form)
        answer = session.post(
            self.base + "/support/requests/new/",
            data={
                "problem_type": "billing",
                "severity": "C",
                "title": "Soak question %d" % rng.randrange(10**6),
                "description": "Filed by bench/soak.py while the portal is under load.",
            },
            headers=load.csrf_headers(session),
            allow_redirects=False,
            timeout=30,
        )
        self._note(answer)


def prepare(organizations, sessions, buyers, entries):
    """The stack's accounts: mixed_wrk's sessions, buyers, partners who file requests, a staff user."""
    from membership.models import User

    offer = load.action_pack()  # the catalogue first: mixed_wrk's subscriptions are to the Action Pack
    counts = mixed_wrk.prepare(organizations, sessions, entries)
    buyer_emails = load.prepare_buyers(buyers, "soak%d" % os.getpid())
    filers = load.prepare_buyers(10, "filer%d" % os.getpid())  # partners who only file requests
    staff_email = "staff-soak@bench.example"
    User.objects.filter(email=staff_email).delete()
    User.objects.create_superuser(email=staff_email, password=load.PASSWORD, first_name="Soak", last_name="Staff")
    return counts, offer.pk, buyer_emails, filers, staff_email


def paid_once(buyer_emails):
    """(orders the buyers paid, those with other than one succeeded payment, payments without their invoice)."""
    from django.db.models import Count

    from billing.models import Invoice, Payment, PaymentStatus
    from offers.models import Order, OrderStatus

    references = list(
        Order.objects.filter(status=OrderStatus.PAID, organization__users__email__in=buyer_emails).values_list(
            "number", flat=True
        )
    )
    succeeded = Payment.objects.filter(reference__in=references, status=PaymentStatus.SUCCEEDED)
    per_order = dict(succeeded.values("reference").annotate(n=Count("id")).values_list("reference", "n"))
    not_once = sum(1 for reference in references if per_order.get(reference, 0) != 1)
    invoiced = Invoice.objects.filter(payment__in=succeeded).count()
    return len(references), not_once, succeeded.count() - invoiced


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("SOAK_SECONDS", 600)))
    parser.add_argument("--load", type=float, default=0.8, help="share of the measured capacity")
    parser.add_argument("--organizations", type=int, default=150)
    parser.add_argument("--sessions", type=int, default=400)
    parser.add_argument("--keep", action="store_true", help="leave the stack running afterwards")
    args = parser.parse_args(argv)
    minutes = max(1, round(args.seconds / 60))
    segment = max(10, args.seconds // minutes)

    env = stack_env()
    stack_dir = Path(env["PRODSTACK_DIR"])
    entries = stack_dir / "soak-entries.tsv"
    subprocess.run(["bash", str(STACK), "start"], env=env, check=True, cwd=ROOT)
    status = 1
    try:
        values = load.read_env_file(stack_dir / "env")
        load.setup_django(values)
        base = values["PRODSTACK_URL"]
        buyers = max(20, int(args.seconds * 1.0))  # more than the purchases the run can make
        counts, offer_id, buyer_emails, filers, staff_email = prepare(
            args.organizations, args.sessions, buyers, entries
        )
        print("prepared: %s; %d buyers, %d partners filing requests" % (counts, len(buyer_emails), len(filers)))

        warm_up = wrk_paced(base, entries, 5, 0)  # imports, templates, connections in every worker
        # The capacity is measured with the side load running (purchases at about the rate the run
        # will have, service requests, staff reads): measured without it, 80 % of it plus the side
        # load filled the CPU.
        background = Background(
            base,
            values,
            buyer_emails,
            filers,
            staff_email,
            offer_id,
            purchases_per_second=warm_up["rps"] * args.load * 0.01 / REQUESTS_PER_PURCHASE,
        )
        background.start()
        capacity = wrk_paced(base, entries, 15, 0)
        target = capacity["rps"] * args.load
        background.interval = REQUESTS_PER_PURCHASE / (target * 0.01)
        pause = pace_for(target, capacity["p50"])
        trial = wrk_paced(base, entries, 10, pause)
        pause = repace(pause, target, trial)
        print(
            "capacity %.0f req/s (p50 %.1f ms, with the side load); target %.0f req/s (%.0f %%): "
            "%d ms between a connection's requests, set again after each minute"
            % (capacity["rps"], capacity["p50"], target, args.load * 100, pause)
        )
        rows = []
        probe = StallProbe()
        try:
            for minute in range(1, minutes + 1):
                before, cpu_before, services_before = tcp_counters(), cpu_times(), cpu_by_service(stack_dir)
                probe.take()
                run = wrk_paced(base, entries, segment, pause)
                after, cpu_after = tcp_counters(), cpu_times()
                # wrk has exited by now: its share is read from the machine's total less the others.
                services = cpu_seconds(services_before, cpu_by_service(stack_dir))
                run.update(stall=probe.take(), cpu=cpu_shares(cpu_before, cpu_after), services=services)
                rss = rss_by_service(stack_dir)
                run.update(
                    minute=minute,
                    rss={service: sum(pids.values()) for service, pids in rss.items()},
                    connections=database_connections(),
                    tcp={name: after.get(name, 0) - before.get(name, 0) for name in TCP_COUNTERS},
                    purchases=background.completed,
                )
                rows.append(run)
                pause = repace(pause, target, run)
                print(
                    "minute %2d: %6.0f req/s  p50 %6.1f ms  p99 %7.1f ms  non-200 %d  errors %d  RSS %s  pg %d  "
                    "probe late %.0f ms  cpu %s  tcp %s  cpu s %s"
                    % (
                        minute,
                        run["rps"],
                        run["p50"],
                        run["p99"],
                        run["not200"],
                        run["errors"],
                        {k: "%d MiB" % (v // 1024) for k, v in run["rss"].items()},
                        run["connections"],
                        run["stall"],
                        " ".join("%s %.0f%%" % item for item in run["cpu"].items()),
                        {k: v for k, v in run["tcp"].items() if v},
                        " ".join("%s %.1f" % item for item in run["services"].items()),
                    ),
                    flush=True,
                )
        finally:
            background.finish()
            probe.stop()

        paid, not_once, without_invoice = paid_once(buyer_emails)
        errors = sum(row["errors"] for row in rows) + background.server_errors
        first, last = rows[0], rows[-1]
        rss_first, rss_last = sum(first["rss"].values()), sum(last["rss"].values())
        growth = (rss_last - rss_first) * 100 / rss_first if rss_first else 0.0
        print(
            "\n%-7s %8s %8s %8s %8s %7s %10s %10s %10s %5s %6s %5s %6s %-40s %s"
            % (
                "minute",
                "req/s",
                "p50 ms",
                "p99 ms",
                "non-200",
                "errors",
                "gunicorn",
                "celery",
                "beat",
                "pg",
                "late",
                "busy",
                "steal",
                "cpu s: gunicorn/worker/pg/soak/wrk",
                "tcp",
            )
        )
        for row in rows:
            print(
                "%-7d %8.0f %8.1f %8.1f %8d %7d %9.0fM %9.0fM %9.0fM %5d %6.0f %4.0f%% %5.1f%% %-40s %s"
                % (
                    row["minute"],
                    row["rps"],
                    row["p50"],
                    row["p99"],
                    row["not200"],
                    row["errors"],
                    row["rss"].get("gunicorn", 0) / 1024,
                    row["rss"].get("worker", 0) / 1024,
                    row["rss"].get("beat", 0) / 1024,
                    row["connections"],
                    row["stall"],
                    row["cpu"]["busy"],
                    row["cpu"]["steal"],
                    "/".join(
                        "%.0f" % row["services"].get(name, 0)
                        for name in ("gunicorn", "worker", "postgres", "soak", "wrk")
                    ),
                    " ".join("%s=%d" % (k, v) for k, v in row["tcp"].items() if v) or "-",
                )
            )
        print(
            "purchases: %d attempted, %d confirmed; orders paid %d, paid other than once %d, without one invoice %d; "
            "side requests %d (>= 500: %d)"
            % (
                background.attempted,
                background.completed,
                paid,
                not_once,
                without_invoice,
                background.side_requests,
                background.server_errors,
            )
        )
        for failure in background.failures[:10]:
            print("  failure: %s" % failure)
        goals = {
            "no answer >= 500": errors == 0,
            "p99 last <= 1.2 x first": last["p99"] <= 1.2 * first["p99"],
            "RSS growth <= 10 %": growth <= 10,
            "connections flat": abs(last["connections"] - first["connections"]) <= 2,
            "every purchase paid once and invoiced": not_once == 0
            and without_invoice == 0
            and background.completed == background.attempted,
        }
        print("goals: %s" % ", ".join("%s %s" % (name, "ok" if met else "MISSED") for name, met in goals.items()))
        p99s = [row["p99"] for row in rows]
        print("p99 over the minutes: median %.1f ms, max %.1f ms" % (statistics.median(p99s), max(p99s)))
        print(
            "soak: %d errors, p99 first/last minute %.1f/%.1f ms, RSS growth %.1f %%, connections %d->%d"
            % (errors, first["p99"], last["p99"], growth, first["connections"], last["connections"])
        )
        status = 0 if all(goals.values()) else 1
    finally:
        if not args.keep:
            subprocess.run(["bash", str(STACK), "stop"], env=env, cwd=ROOT)
    return status


if __name__ == "__main__":
    sys.exit(main())
