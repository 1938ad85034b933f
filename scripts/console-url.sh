#!/usr/bin/env bash
# console-url.sh: the URL 'make run' serves the console on: BASE_URL when set,
# else one derived from LISTEN_ADDR (default :8080); an empty or wildcard host
# (":8080", "0.0.0.0:9000", "[::]:9000") is reached as localhost.
set -euo pipefail
if [ -n "${BASE_URL:-}" ]; then
	echo "${BASE_URL%/}"
	exit 0
fi
addr=${LISTEN_ADDR:-:8080}
port=${addr##*:}
host=${addr%:*}
case "$host" in
"" | 0.0.0.0 | "[::]" | "::") host=localhost ;;
esac
echo "http://$host:$port"
