#!/usr/bin/env bash
# The webhook benchmark: a fresh database, a real server on loopback, and sbload.
#   make bench                 (defaults: 20000 events at concurrency 32, then 200 events/s for 30 s)
#   N=50000 C=64 make bench
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS=-buildvcs=false
base=$(scripts/pg.sh)
db=switchboard_bench
admin=${base/\/switchboard\?/\/postgres?}
psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
export DATABASE_URL=${base/\/switchboard\?/\/$db?}
secret=whsec_bench_$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
port=${PORT:-18080}
go build -o bin/switchboard . && go build -o bin/sbload ./cmd/sbload
bin/switchboard migrate >/dev/null
PPROF_ADDR=${PPROF_ADDR:-} STRIPE_WEBHOOK_SECRET=$secret LISTEN_ADDR=127.0.0.1:$port LOG_LEVEL=warn bin/switchboard serve 2>bench-server.log &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
echo "== throughput: ${N:-20000} events at concurrency ${C:-32}"
bin/sbload -url "http://127.0.0.1:$port/webhooks/stripe" -secret "$secret" -n "${N:-20000}" -c "${C:-32}" -db "$DATABASE_URL" -wait 5m
echo "== latency: 200 events/s for 30 s"
bin/sbload -url "http://127.0.0.1:$port/webhooks/stripe" -secret "$secret" -n 6000 -c 16 -rate 200 -db "$DATABASE_URL"
