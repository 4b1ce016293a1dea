#!/usr/bin/env bash
# Re-extract every catalogue (one per app, plus locale/ for templates/ and partnerportal/)
# and report untranslated strings. Usage: scripts/i18n/update.sh [app-name]
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=.venv/bin/python
apps="membership offers billing support"
status=0
for app in ${1:-$apps root}; do
  if [ "$app" = root ]; then
    ignores=""
    for a in $apps; do ignores="$ignores --ignore=$a/*"; done
    $PY manage.py makemessages -l ru $ignores --ignore='.venv/*' --ignore='tests/*' --ignore='var/*' --ignore='scripts/*' --ignore='bench/*' >/dev/null
    po=locale/ru/LC_MESSAGES/django.po
  else
    mkdir -p "$app/locale"
    (cd "$app" && ../$PY ../manage.py makemessages -l ru >/dev/null)
    po=$app/locale/ru/LC_MESSAGES/django.po
  fi
  $PY scripts/i18n/fill_po.py "$po" || status=1
done
exit $status
