#!/usr/bin/env bash
# Start the development stack in the foreground (used by `make run`):
#   localstripe (fake Stripe)  http://127.0.0.1:8420, webhook registered, state in
#                              var/localstripe.pickle beside the SQLite database
#   Celery worker with embedded beat (schedule file under var/)
#   Django runserver           http://127.0.0.1:8000
# Ctrl-C (SIGINT) or SIGTERM stops every process it started, and so does the
# exit of any one of them. NORELOAD=1 turns off runserver's autoreloader.
set -euo pipefail

cd "$(dirname "$0")/.."

HOST=127.0.0.1
WEB_PORT=8000
STRIPE_PORT=8420
PORTAL_URL="http://$HOST:$WEB_PORT/"
STRIPE_URL="http://$HOST:$STRIPE_PORT"
WEBHOOK_URL="http://$HOST:$WEB_PORT/billing/stripe/webhook/"
# localstripe's customers, cards and payments, kept across restarts like the
# database that refers to them: starting from scratch means removing both.
STRIPE_STATE=var/localstripe.pickle
PY=.venv/bin/python
CELERY=.venv/bin/celery

export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-partnerportal.settings.dev}"
export STRIPE_WEBHOOK_SECRET="${STRIPE_WEBHOOK_SECRET:-whsec_localstripe}"
export PYTHONUNBUFFERED=1

say() { printf '\n==> %s\n' "$*"; }
die() { printf '\nrun-dev: %s\n' "$*" >&2; exit 1; }

port_answers() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# wait_for NAME PID TIMEOUT_S CHECK...: poll CHECK until it succeeds, the
# process dies or the time runs out.
wait_for() {
    local name=$1 pid=$2 deadline=$((SECONDS + $3))
    shift 3
    until "$@"; do
        kill -0 "$pid" 2>/dev/null || die "$name exited during start-up (see its output above)"
        ((SECONDS < deadline)) || die "$name did not become ready in time"
        sleep 0.2
    done
}

descendants() {
    local child
    for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
        descendants "$child"
        echo "$child"
    done
}

PIDS=()
stopping=
cleanup() {
    [[ -n $stopping ]] && return
    stopping=1
    trap '' INT TERM
    ((${#PIDS[@]})) || return 0
    say "Stopping the dev stack"
    # Everything started, including grandchildren (reloader child, Celery pool and beat).
    local all=() pid
    for pid in "${PIDS[@]}"; do
        all+=($(descendants "$pid") "$pid")
    done
    # Celery's main process shuts its pool and beat down itself (warm
    # shutdown); the others are stopped as whole trees.
    kill -TERM "${PIDS[@]}" ${WEB_PID:+$(descendants "$WEB_PID")} 2>/dev/null || true
    local deadline=$((SECONDS + 15)) alive
    while :; do
        alive=()
        for pid in "${all[@]}"; do
            kill -0 "$pid" 2>/dev/null && alive+=("$pid")
        done
        ((${#alive[@]})) || break
        if ((SECONDS >= deadline)); then
            echo "Killing processes that ignored SIGTERM: ${alive[*]}" >&2
            kill -KILL "${alive[@]}" 2>/dev/null || true
            break
        fi
        sleep 0.2
    done
    wait 2>/dev/null || true
    echo "All dev processes stopped."
}
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
trap cleanup EXIT

[[ -x $PY ]] || die "$PY not found: run 'make run' (or 'make setup') first"
for port in $STRIPE_PORT $WEB_PORT; do
    port_answers "$port" && die "port $port on $HOST is already in use (another dev stack still running?)"
done
mkdir -p var/log

say "Starting localstripe on $STRIPE_URL"
"$PY" scripts/localstripe_server.py --port "$STRIPE_PORT" --state-file "$STRIPE_STATE" --log-webhooks &
STRIPE_PID=$!
PIDS+=("$STRIPE_PID")
wait_for localstripe "$STRIPE_PID" 30 port_answers "$STRIPE_PORT"

say "Registering the webhook $WEBHOOK_URL with localstripe"
"$PY" - "$STRIPE_URL/_config/webhooks/dev" "$WEBHOOK_URL" <<'EOF'
import os, sys, urllib.parse, urllib.request
endpoint, url = sys.argv[1:3]
form = urllib.parse.urlencode({"url": url, "secret": os.environ["STRIPE_WEBHOOK_SECRET"]})
urllib.request.urlopen(endpoint, data=form.encode(), timeout=10).close()
EOF

# After localstripe: the demo subscriptions are bought through it.
say "Loading demo data"
DEMO_LOGINS="$("$PY" manage.py load_demo_data)"
printf '%s\n' "$DEMO_LOGINS"

say "Starting the Celery worker with embedded beat (log: var/log/celery-worker.log)"
: >var/log/celery-worker.log
# tee ignores Ctrl-C so that the worker can still log its warm shutdown.
"$CELERY" -A partnerportal worker -B --loglevel=INFO \
    --schedule-filename var/celerybeat-schedule \
    > >(trap '' INT TERM; exec tee -a var/log/celery-worker.log) 2>&1 &
CELERY_PID=$!
PIDS+=("$CELERY_PID")
wait_for "Celery worker" "$CELERY_PID" 60 grep -q ' ready\.' var/log/celery-worker.log

say "Starting Django on $PORTAL_URL"
RUNSERVER_ARGS=()
[[ -n ${NORELOAD:-} ]] && RUNSERVER_ARGS+=(--noreload)
"$PY" manage.py runserver "$HOST:$WEB_PORT" "${RUNSERVER_ARGS[@]}" &
WEB_PID=$!
PIDS+=("$WEB_PID")
wait_for runserver "$WEB_PID" 60 port_answers "$WEB_PORT"

cat <<EOF

==================================================================
 Partner portal is ready: $PORTAL_URL
 Fake Stripe (localstripe): $STRIPE_URL
 Demo logins:
$(printf '%s\n' "$DEMO_LOGINS" | sed 's/^/   /')
 Press Ctrl-C to stop everything.
==================================================================

EOF

# Return as soon as one process exits (or a signal arrives); cleanup stops the rest.
set +e
wait -n "${PIDS[@]}"
status=$?
set -e
# On Ctrl-C a child may end before bash runs the INT trap, so this message can
# also come from an ordinary stop.
echo "run-dev: a dev process stopped (status $status); stopping the others." >&2
((status)) || status=1
exit "$status"
