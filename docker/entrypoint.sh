#!/bin/sh
# The app container's entrypoint, and what .ci/run runs natively against PostgreSQL
# and Redis: migrate, load the seed (idempotent), then serve with gunicorn.conf.py.
# Commands run without a statement timeout; the web server gets one.
set -eu
cd "$(dirname "$0")/.."
python manage.py migrate --noinput
if [ "${SUMMITRY_SEED:-1}" = "1" ]; then
  python manage.py seed
fi
export DJANGO_DB_STATEMENT_TIMEOUT="${DJANGO_DB_STATEMENT_TIMEOUT:-5000}"
exec gunicorn config.wsgi -c gunicorn.conf.py
