#!/usr/bin/env bash
# The full browser journey (tests/journey) against the production-like stack of scripts/prod-stack.sh:
# gunicorn + PostgreSQL + Redis + Celery worker and beat + localstripe. `make test` runs it after
# pytest when the database is PostgreSQL and the broker Redis (CI sets both); elsewhere it says why
# it is skipped. Screenshots: artifacts/screenshots/journey/<language>/.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ${DATABASE_URL:-} != postgres* || ${CELERY_BROKER_URL:-${REDIS_URL:-}} != redis* ]]; then
    echo "[journey] skipped: the production-like stack needs DATABASE_URL=postgres://... and CELERY_BROKER_URL=redis://... (CI sets both)"
    exit 0
fi

broker=${CELERY_BROKER_URL:-$REDIS_URL}
redis_base=${broker%/*}
export PRODSTACK_DIR=${PRODSTACK_DIR:-var/prodstack-journey}
export PRODSTACK_WEB_PORT=${PRODSTACK_WEB_PORT:-8830}
export PRODSTACK_STRIPE_PORT=${PRODSTACK_STRIPE_PORT:-8840}
export PRODSTACK_FRESH_DB=1

stack() {
    DATABASE_URL="${DATABASE_URL%/*}/prodstack_journey" \
    CELERY_BROKER_URL="$redis_base/12" CACHE_URL="$redis_base/13" \
        bash scripts/prod-stack.sh "$@"
}

echo "[journey] starting the production-like stack"
trap 'echo "[journey] stopping the stack"; stack stop || true' EXIT
stack start
echo "[journey] running the journey in English and Russian against it"
JOURNEY_TARGET=prod-stack .venv/bin/pytest -q -p no:cacheprovider -m browser tests/journey/test_full_journey.py
