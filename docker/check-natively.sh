#!/usr/bin/env bash
# What the containers would do, run natively (no container engine here): validate
# docker-compose.yml, then run docker/entrypoint.sh against PostgreSQL and Redis on
# this machine and check that it becomes ready and serves the site and the API.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
PORT=${PORT:-8097}
DB=summitry_entrypoint

DJANGO_SECRET_KEY=compose-check docker-compose -f docker-compose.yml config -q
echo "docker-compose.yml: valid"

psql -h 127.0.0.1 -U postgres -tAc "DROP DATABASE IF EXISTS $DB" >/dev/null
psql -h 127.0.0.1 -U postgres -tAc "CREATE DATABASE $DB" >/dev/null
make -s staticfiles/staticfiles.json

log=$(mktemp)
env -i PATH="$(dirname "$PY"):/usr/bin:/bin" HOME="$HOME" \
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB REDIS_URL=redis://127.0.0.1:6379/15 \
  DJANGO_DEBUG=0 DJANGO_SECRET_KEY=entrypoint-check-not-secret-but-long-enough-for-checks \
  DJANGO_STATIC_COLLECTED=1 DJANGO_SECURE_COOKIES=0 GUNICORN_BIND=127.0.0.1:$PORT \
  setsid docker/entrypoint.sh >"$log" 2>&1 &
pid=$!
trap 'kill -- -$pid 2>/dev/null || true; wait $pid 2>/dev/null || true' EXIT

for _ in $(seq 1 180); do
  if curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; then break; fi
  if ! kill -0 $pid 2>/dev/null; then cat "$log"; echo "entrypoint exited"; exit 1; fi
  sleep 1
done
curl -fsS "http://127.0.0.1:$PORT/readyz"; echo
for path in /healthz / /api/v1/visits/?page_size=1 /api/v1/visits/export.csv; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT$path")
  echo "$path -> $code"
  [ "$code" = 200 ] || { tail -50 "$log"; exit 1; }
done
rows=$(curl -fsS "http://127.0.0.1:$PORT/api/v1/visits/export.csv" | "$PY" -c "import csv,sys; print(sum(1 for _ in csv.DictReader(sys.stdin)))")
echo "export: $rows rows"
[ "$rows" -gt 100 ]
echo "entrypoint: migrated, seeded and served on PostgreSQL and Redis"
