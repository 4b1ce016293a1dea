#!/usr/bin/env bash
# A production-like stack on 127.0.0.1, started and stopped by one script:
#
#   scripts/prod-stack.sh start    start everything, wait until /healthz answers 200
#   scripts/prod-stack.sh stop     stop everything it started (whole process groups: no orphans)
#   scripts/prod-stack.sh status   what runs, and /healthz
#
# What runs: gunicorn (partnerportal.wsgi, settings partnerportal.settings.production,
# 3 sync workers, static files collected and served by whitenoise), PostgreSQL,
# Redis (Celery broker and Django cache), one Celery worker, ONE Celery beat, and
# localstripe (fake Stripe) with the portal's webhook registered.
#
# Secrets are throwaway values generated at every start, fit for loopback only;
# they are written to $PRODSTACK_DIR/env (mode 600) for the processes and for
# tools that want to talk to the same stack (`. var/prodstack/env`).
#
# Environment (all optional):
#   PRODSTACK_DIR          var/prodstack        pids, logs, env file, beat schedule
#   PRODSTACK_WEB_PORT     8800                 gunicorn on 127.0.0.1
#   PRODSTACK_STRIPE_PORT  8820                 localstripe on 127.0.0.1
#   PRODSTACK_WEB_WORKERS  3                    gunicorn workers
#   PRODSTACK_WSGI_APP     partnerportal.wsgi:application (bench/ serves bench.bare:application)
#   PRODSTACK_DEMO_DATA    1                    load the demo organisations and logins
#   PRODSTACK_FRESH_DB     0                    1: drop and recreate the database first (localstripe
#                                               always starts empty, so old payments would not match)
#   DATABASE_URL           postgres://postgres@127.0.0.1:5432/prodstack (created when missing)
#   CELERY_BROKER_URL      redis://127.0.0.1:6379/1
#   CACHE_URL              redis://127.0.0.1:6379/2
# PostgreSQL and Redis are started (with the commands of .ci/run) when they are down.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD

HOST=127.0.0.1
DIR=${PRODSTACK_DIR:-var/prodstack}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
LOG=$DIR/log
WEB_PORT=${PRODSTACK_WEB_PORT:-8800}
STRIPE_PORT=${PRODSTACK_STRIPE_PORT:-8820}
WEB_WORKERS=${PRODSTACK_WEB_WORKERS:-3}
WSGI_APP=${PRODSTACK_WSGI_APP:-partnerportal.wsgi:application}
PY=$ROOT/.venv/bin/python
BIN=$ROOT/.venv/bin
# Stop order: the web first (no new work), then beat (no new schedules), the worker, localstripe.
SERVICES=(gunicorn beat worker localstripe)

say() { printf '[prod-stack] %s\n' "$*"; }
die() { printf '[prod-stack] error: %s\n' "$*" >&2; exit 1; }

pid_of() { [[ -s $DIR/$1.pid ]] && cat "$DIR/$1.pid"; }
alive() { local pid; pid=$(pid_of "$1") && kill -0 "$pid" 2>/dev/null; }
port_answers() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
pg_up() { pg_isready -h "$PG_HOST" -p "$PG_PORT" -q; }
redis_up() { [[ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; }
healthz() { curl -fsS -m 5 -o /dev/null "http://$HOST:$WEB_PORT/healthz"; }

# wait_for NAME SERVICE SECONDS CHECK...: poll CHECK until it passes; fail when the
# service's process is gone or the time is up (the log's tail says why).
wait_for() {
    local name=$1 service=$2 deadline=$((SECONDS + $3))
    shift 3
    until "$@" >/dev/null 2>&1; do
        if [[ -n $service ]] && ! alive "$service"; then
            tail -n 30 "$LOG/$service.log" >&2 || true
            die "$name exited during start-up (log: $LOG/$service.log)"
        fi
        if ((SECONDS >= deadline)); then
            [[ -n $service ]] && tail -n 30 "$LOG/$service.log" >&2
            die "$name not ready after $3 s"
        fi
        sleep 0.2
    done
}

# launch NAME CMD...: run CMD in its own session (so its process group holds all of
# its children, gunicorn workers and Celery pool processes included) and record its pid.
launch() {
    local name=$1
    shift
    : >"$LOG/$name.log"
    # setsid does not fork here (a background child of a script is no group leader),
    # so $! is the pid of CMD itself and also its process group id.
    setsid "$@" </dev/null >>"$LOG/$name.log" 2>&1 &
    echo $! >"$DIR/$name.pid"
}

parse_urls() {
    # Host, port and database name of DATABASE_URL; host and port of the broker.
    eval "$("$PY" - <<'EOF'
import os, shlex
from urllib.parse import urlsplit
db = urlsplit(os.environ["DATABASE_URL"])
broker = urlsplit(os.environ["CELERY_BROKER_URL"])
for key, value in {
    "DB_SCHEME": db.scheme, "PG_HOST": db.hostname or "127.0.0.1", "PG_PORT": db.port or 5432,
    "PG_USER": db.username or "postgres", "PG_DB": db.path.lstrip("/"),
    "BROKER_SCHEME": broker.scheme, "REDIS_HOST": broker.hostname or "127.0.0.1",
    "REDIS_PORT": broker.port or 6379,
}.items():
    print("%s=%s" % (key, shlex.quote(str(value))))
EOF
)"
}

random_alnum() { "$PY" -c "import secrets,string,sys; a=string.ascii_letters+string.digits; print(''.join(secrets.choice(a) for _ in range(int(sys.argv[1]))))" "$1"; }

write_env() {
    local secret_key db_url
    secret_key=$(random_alnum 64)
    # Persistent connections as in production; health checks so a restarted PostgreSQL costs no error page.
    db_url=$DATABASE_URL
    [[ $db_url == *\?* ]] || db_url="$db_url?conn_health_checks=true"
    umask 077
    cat >"$DIR/env" <<EOF
# Generated by scripts/prod-stack.sh start at $(date -u +%FT%TZ); throwaway loopback values.
export DJANGO_SETTINGS_MODULE=partnerportal.settings.production
export DJANGO_SECRET_KEY='$secret_key'
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
export DJANGO_CSRF_TRUSTED_ORIGINS=http://127.0.0.1:$WEB_PORT,http://localhost:$WEB_PORT
# Plain http on loopback: no redirect to https, no HSTS. The session and CSRF cookies stay
# Secure as in production: browsers (Chromium included) and bench/load.py send Secure cookies
# to http://127.0.0.1 and http://localhost.
export DJANGO_SECURE_SSL_REDIRECT=False
export DJANGO_SECURE_HSTS_SECONDS=0
export DATABASE_URL='$db_url'
export DATABASE_CONN_MAX_AGE=60
export CELERY_BROKER_URL='$CELERY_BROKER_URL'
export REDIS_URL='$CELERY_BROKER_URL'
export CACHE_URL='$CACHE_URL'
export STRIPE_SECRET_KEY=sk_test_$(random_alnum 48)
export STRIPE_PUBLISHABLE_KEY=pk_test_$(random_alnum 48)
export STRIPE_WEBHOOK_SECRET=whsec_$(random_alnum 32)
export STRIPE_API_BASE=http://$HOST:$STRIPE_PORT
export STRIPE_JS_URL=http://$HOST:$STRIPE_PORT/js.stripe.com/v3/
# No mail leaves a loopback stack: messages are written to files, where tests read them.
export EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend
export EMAIL_FILE_PATH=$DIR/mail
export PRODSTACK_URL=http://$HOST:$WEB_PORT
# The e-mails' links name the public address (settings.PORTAL_BASE_URL): this stack's.
export PORTAL_BASE_URL=http://$HOST:$WEB_PORT
export PYTHONUNBUFFERED=1
EOF
    umask 022
}

start() {
    local service
    for service in "${SERVICES[@]}"; do
        alive "$service" && die "$service is already running (pid $(pid_of "$service")): run '$0 stop' first"
    done
    for port in "$WEB_PORT" "$STRIPE_PORT"; do
        port_answers "$port" && die "port $port on $HOST is already in use"
    done
    [[ -x $PY ]] || die "$PY not found: run 'make setup' first"
    mkdir -p "$LOG"

    export DATABASE_URL=${DATABASE_URL:-postgres://postgres@$HOST:5432/prodstack}
    export CELERY_BROKER_URL=${CELERY_BROKER_URL:-redis://$HOST:6379/1}
    export CACHE_URL=${CACHE_URL:-redis://$HOST:6379/2}
    parse_urls
    [[ $DB_SCHEME == postgres* ]] || die "DATABASE_URL must be a PostgreSQL URL (got $DB_SCHEME)"
    [[ $BROKER_SCHEME == redis ]] || die "CELERY_BROKER_URL must be a Redis URL (got $BROKER_SCHEME)"

    if ! pg_up; then
        say "PostgreSQL is down: starting it"
        pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start
    fi
    wait_for PostgreSQL "" 60 pg_up
    if ! redis_up; then
        say "Redis is down: starting it"
        mkdir -p /var/lib/redis /var/log/redis
        redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
            --dir /var/lib/redis --logfile /var/log/redis/ci.log
    fi
    wait_for Redis "" 30 redis_up

    if [[ ${PRODSTACK_FRESH_DB:-0} == 1 ]]; then
        # localstripe starts empty every time; a fresh database keeps the two in step.
        say "Dropping the database $PG_DB (PRODSTACK_FRESH_DB=1)"
        dropdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" --if-exists --force "$PG_DB"
    fi
    if [[ -z $(psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'") ]]; then
        say "Creating the database $PG_DB"
        createdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" "$PG_DB"
    fi

    write_env
    # shellcheck disable=SC1091
    . "$DIR/env"

    say "Migrating, collecting static files"
    "$PY" manage.py migrate --noinput >"$LOG/setup.log" 2>&1 || { cat "$LOG/setup.log" >&2; die "migrate failed"; }
    "$PY" manage.py collectstatic --noinput >>"$LOG/setup.log" 2>&1 || { tail "$LOG/setup.log" >&2; die "collectstatic failed"; }

    # From here a failure (die, or a failing command under set -e) stops what was already started.
    trap 'status=$?; if ((status)); then say "start failed: stopping what was started"; stop; fi' EXIT

    say "localstripe on http://$HOST:$STRIPE_PORT"
    launch localstripe "$PY" scripts/localstripe_server.py --port "$STRIPE_PORT" --log-webhooks
    wait_for localstripe localstripe 30 port_answers "$STRIPE_PORT"
    curl -fsS -m 10 -o /dev/null -H "Authorization: Bearer $STRIPE_SECRET_KEY" \
        --data-urlencode "url=http://$HOST:$WEB_PORT/billing/stripe/webhook/" \
        --data-urlencode "secret=$STRIPE_WEBHOOK_SECRET" \
        "http://$HOST:$STRIPE_PORT/_config/webhooks/prodstack"

    if [[ ${PRODSTACK_DEMO_DATA:-1} == 1 ]]; then
        # After localstripe: the demo subscriptions are bought through it (without it they are skipped).
        say "Loading demo data"
        "$PY" manage.py load_demo_data >>"$LOG/setup.log" 2>&1 || { tail "$LOG/setup.log" >&2; die "load_demo_data failed"; }
        if grep -q 'subscriptions skipped\|skipped: the payment service failed' "$LOG/setup.log"; then
            tail -n 20 "$LOG/setup.log" >&2
            die "the demo subscriptions were not bought (log: $LOG/setup.log)"
        fi
    fi

    say "Celery worker and beat (one beat)"
    launch worker "$BIN/celery" -A partnerportal worker --loglevel=INFO --concurrency=2 \
        --hostname "prodstack-$WEB_PORT@%h" --pidfile=
    launch beat "$BIN/celery" -A partnerportal beat --loglevel=INFO \
        --schedule "$DIR/celerybeat-schedule" --pidfile=
    wait_for "Celery worker" worker 90 grep -q ' ready\.' "$LOG/worker.log"
    wait_for "Celery beat" beat 60 grep -q 'beat: Starting' "$LOG/beat.log"

    say "gunicorn $WSGI_APP on http://$HOST:$WEB_PORT ($WEB_WORKERS workers)"
    GUNICORN_BIND=$HOST:$WEB_PORT GUNICORN_WORKERS=$WEB_WORKERS GUNICORN_PROC_NAME=prodstack-$WEB_PORT \
        launch gunicorn "$BIN/gunicorn" -c partnerportal/gunicorn.conf.py "$WSGI_APP"
    wait_for "gunicorn (/healthz 200)" gunicorn 90 healthz
    trap - EXIT
    say "ready: http://$HOST:$WEB_PORT/ (logs and pids in $DIR)"
}

# stop_services NAME...: SIGTERM to each service's whole process group at once, then wait for
# all of them; SIGKILL whatever is left after 20 s.
stop_services() {
    local name pid deadline left groups=() names=()
    for name in "$@"; do
        pid=$(pid_of "$name") || continue
        if kill -0 "$pid" 2>/dev/null || pgrep -g "$pid" >/dev/null 2>&1; then
            kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
            groups+=("$pid")
            names+=("$name")
        fi
    done
    deadline=$((SECONDS + 20))
    for i in "${!groups[@]}"; do
        while pgrep -g "${groups[$i]}" >/dev/null 2>&1; do
            if ((SECONDS >= deadline)); then
                say "${names[$i]} ignored SIGTERM: killing its process group"
                kill -KILL -- "-${groups[$i]}" 2>/dev/null || true
                sleep 0.2
                break
            fi
            sleep 0.1
        done
        say "stopped ${names[$i]} (pid ${groups[$i]})"
    done
    for name in "$@"; do
        rm -f "$DIR/$name.pid"
    done
}

stop() {
    # The web first (no new work), then beat, the worker (warm shutdown) and localstripe together.
    stop_services gunicorn
    stop_services beat worker localstripe
}

status() {
    local service running=0
    for service in "${SERVICES[@]}"; do
        if alive "$service"; then
            printf '%-12s running (pid %s, %s processes)\n' "$service" "$(pid_of "$service")" \
                "$(pgrep -g "$(pid_of "$service")" | wc -l)"
            running=$((running + 1))
        else
            printf '%-12s stopped\n' "$service"
        fi
    done
    if healthz 2>/dev/null; then
        echo "healthz      200 http://$HOST:$WEB_PORT/healthz"
    else
        echo "healthz      no answer on http://$HOST:$WEB_PORT/healthz"
    fi
    ((running == ${#SERVICES[@]}))
}

case ${1:-} in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
