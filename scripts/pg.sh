#!/usr/bin/env bash
# Prints a DATABASE_URL for Switchboard. When DATABASE_URL is already set it is used
# as it is; otherwise a project-local PostgreSQL cluster is brought up (installed
# from Debian's packages when missing) and reused on later runs.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${DATABASE_URL:-}" ]; then
	echo "$DATABASE_URL"
	exit 0
fi
log() { echo "pg.sh: $*" >&2; }

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
bin=$(find_bin)
if [ -z "$bin" ]; then
	if [ "$(id -u)" != 0 ]; then
		log "PostgreSQL is not installed and this user cannot install it: run 'sudo apt-get install postgresql' or set DATABASE_URL"
		exit 1
	fi
	log "installing PostgreSQL from Debian's packages"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	apt-get install -y -qq postgresql >&2
	bin=$(find_bin)
	[ -n "$bin" ] || { log "PostgreSQL install finished but no server binaries were found"; exit 1; }
fi

# PostgreSQL refuses to run as root: as root, the cluster belongs to the package's
# 'postgres' user.
as_owner() { "$@"; }
owner=$(id -un)
if [ "$(id -u)" = 0 ]; then
	owner=postgres
	id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
	as_owner() { (cd / && runuser -u postgres -- "$@"); }
fi

# A port of its own per checkout, so two clones never share a cluster.
port=${SWITCHBOARD_PG_PORT:-$((54000 + $(printf '%s' "$root" | cksum | cut -d' ' -f1) % 900))}
dir="$root/.pgdata"
mkdir -p "$dir"
[ "$(id -u)" = 0 ] && chown "$owner" "$dir"
if ! as_owner test -w "$dir"; then
	# The checkout lives where the postgres user cannot reach (for example under /root).
	dir="/var/tmp/switchboard-pg-$(printf '%s' "$root" | cksum | cut -d' ' -f1)"
	mkdir -p "$dir"
	chown "$owner" "$dir"
	chmod 700 "$dir"
fi
data="$dir/data"

if [ ! -f "$data/PG_VERSION" ]; then
	log "creating a PostgreSQL cluster in $data"
	as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
fi
if ! as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
	log "starting PostgreSQL on 127.0.0.1:$port"
	as_owner "$bin/pg_ctl" -D "$data" -l "$dir/postgres.log" -w -t 60 \
		-o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=256MB -c max_wal_size=4GB -c checkpoint_timeout=15min" start >/dev/null ||
		{ log "PostgreSQL did not start; its log:"; tail -20 "$dir/postgres.log" >&2; exit 1; }
fi
db=${SWITCHBOARD_PG_DB:-switchboard}
if [ "$(as_owner "$bin/psql" -h "$dir" -p "$port" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
	as_owner "$bin/createdb" -h "$dir" -p "$port" -U postgres "$db"
fi
echo "postgres://postgres@127.0.0.1:$port/$db?sslmode=disable"
