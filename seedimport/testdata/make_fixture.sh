#!/usr/bin/env bash
# Remake seed.sqlite3 and the seed's recorded answers from the seed itself:
# a fresh reference server (../../../shared/reference), driven through its
# API by drive_seed.py. go test never runs this: it uses the committed files.
#
#   seedimport/testdata/make_fixture.sh [SEED_FILE] [PORT]
#   SEED_PG_ADMIN_URL=postgres://postgres@127.0.0.1:5432/test make_fixture.sh   # also seed_postgres.sql
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REF="${REF:-/work/shared/reference}"
SEED="${1:-/work/shared/seed/000_91a8eb99a855df49.txt}"
PORT="${2:-8041}"
WORK="$(mktemp -d /tmp/seedfixture.XXXXXX)"
"$REF/setup.sh" "$SEED" "$WORK" --reset >/dev/null
PID=$("$REF/run.sh" "$WORK" "$PORT")
trap 'kill "$PID" 2>/dev/null || true' EXIT
/usr/bin/python3 "$HERE/drive_seed.py" "http://127.0.0.1:$PORT" "$WORK" "$HERE"
kill "$PID"; trap - EXIT
# Only what a deployment's database holds; VACUUM makes the file small and
# independent of its WAL.
rm -f "$HERE/seed.sqlite3"
/usr/bin/python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('VACUUM INTO ?', (sys.argv[2],))" \
  "$WORK/db.sqlite3" "$HERE/seed.sqlite3"
sha256sum "$HERE/seed.sqlite3"
# The seed's PostgreSQL schema, as Django's migrate makes it, for the
# PostgreSQL-source test (needs python3-psycopg2 and a PostgreSQL to borrow).
if [ -n "${SEED_PG_ADMIN_URL:-}" ]; then
  DB="seedfixture_$$"
  psql "$SEED_PG_ADMIN_URL" -qc "CREATE DATABASE $DB"
  PGURL="$(echo "$SEED_PG_ADMIN_URL" | sed "s#/[^/?]*\(?.*\)\?\$#/$DB#")"
  (cd "$WORK" && DATABASE_URL="$PGURL" DJANGO_SETTINGS_MODULE=config.settings_ref PYTHONPATH="$WORK" \
     /usr/bin/python3 manage.py migrate --noinput >/dev/null)
  { echo "-- The seed's (Django's) PostgreSQL schema of the tables pasched imports, as"
    echo "-- Django's migrate made it (pg_dump --schema-only of a seed database; see"
    echo "-- make_fixture.sh). seedimport's PostgreSQL-source test builds this schema and"
    echo "-- copies seed.sqlite3's rows into it."
    pg_dump "$PGURL" --schema-only --no-owner --no-privileges --no-comments \
      -t users -t pa_profiles -t pa_schedule_stats -t email_verification_tokens -t password_reset_tokens \
      -t token_blacklist_outstandingtoken -t token_blacklist_blacklistedtoken -t schedule_periods \
      -t shift_requests -t critical_time_coverage -t weekly_coverage |
      grep -v '^--' | grep -v '^SET \|^SELECT pg_catalog\|^$\|^\\' | sed 's/public\.//g'
  } > "$HERE/seed_postgres.sql"
  psql "$SEED_PG_ADMIN_URL" -qc "DROP DATABASE $DB"
fi
rm -rf "$WORK"
