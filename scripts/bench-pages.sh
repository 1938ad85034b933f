#!/usr/bin/env bash
# The console page benchmark: a database of its own, seeded at realistic size by
# 'switchboard seed', then cmd/sbpages measuring the pages' server time through
# the real router with a signed-in admin.
#   make bench-pages              (100,000 accounts, 1,000,000 events, 200,000 orders,
#                                  5,000 disputes; 200 requests a page)
#   ACCOUNTS=… EVENTS=… ORDERS=… DISPUTES=… N=… make bench-pages
#   REUSE=1 make bench-pages      measure again without seeding again
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS=-buildvcs=false
base=$(scripts/pg.sh)
db=switchboard_pages
# libpq and pgx both take dbname= from the query: the benchmark's own database on
# the same server, whatever DATABASE_URL names.
sep='?'
[[ $base == *\?* ]] && sep='&'
admin="$base${sep}dbname=postgres"
export DATABASE_URL="$base${sep}dbname=$db"
export APP_ENV=development
go build -o bin/switchboard . && go build -o bin/sbpages ./cmd/sbpages
if [ "${REUSE:-}" = 1 ] && psql "$DATABASE_URL" -qAtc 'SELECT 1 FROM stripe_events LIMIT 1' >/dev/null 2>&1; then
	echo "== reusing the seeded database $db"
else
	psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
	bin/switchboard migrate >/dev/null
	echo "== seeding $db"
	bin/switchboard seed --accounts "${ACCOUNTS:-100000}" --events "${EVENTS:-1000000}" \
		--orders "${ORDERS:-200000}" --disputes "${DISPUTES:-5000}"
fi
echo "== server time per page (handler only, sequential requests, $(nproc) cores shared with Postgres)"
bin/sbpages -n "${N:-200}"
