#!/usr/bin/env bash
# make backup, then make restore into an empty database: the export of every visit
# (drafts included) and the history row count are the same before and after.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
FROM=${1:-summitry_entrypoint}
TO=summitry_restored
dump=$(mktemp --suffix=.dump)
export DJANGO_DEBUG=1

fingerprint() {
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/$1 "$PY" manage.py export_visits | sha256sum
  psql -h 127.0.0.1 -U postgres -d "$1" -tAc "SELECT count(*) FROM visits_historicalvisit"
}

before=$(fingerprint "$FROM")
DATABASE_URL=postgres://postgres@127.0.0.1:5432/$FROM make -s backup BACKUP="$dump"
psql -h 127.0.0.1 -U postgres -qtAc "DROP DATABASE IF EXISTS $TO" >/dev/null 2>&1
psql -h 127.0.0.1 -U postgres -tAc "CREATE DATABASE $TO" >/dev/null
DATABASE_URL=postgres://postgres@127.0.0.1:5432/$TO make -s restore BACKUP="$dump"
after=$(fingerprint "$TO")
rm -f "$dump"
echo "before: $before" | tr '\n' ' '; echo
echo "after:  $after" | tr '\n' ' '; echo
[ "$before" = "$after" ] || { echo "restore differs from the backup"; exit 1; }
echo "backup and restore: identical export and history"
