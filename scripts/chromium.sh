#!/usr/bin/env bash
# Prints the path of a Chromium binary for the browser tests on stdout, installing
# Debian's chromium package when none is there. Diagnostics go to stderr.
set -euo pipefail
log() { echo "chromium.sh: $*" >&2; }

find_bin() {
	for b in "${CHROMIUM:-}" chromium chromium-browser google-chrome; do
		[ -n "$b" ] && command -v "$b" >/dev/null 2>&1 && { command -v "$b"; return 0; }
	done
	return 1
}

if bin=$(find_bin); then
	echo "$bin"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	log "Chromium is not installed and this user cannot install it: run 'sudo apt-get install chromium' or set CHROMIUM to a Chromium binary"
	exit 1
fi
log "installing Debian's chromium package (once)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
if ! bin=$(find_bin); then
	log "the chromium package installed but no chromium binary is on PATH"
	exit 1
fi
log "using $("$bin" --version 2>/dev/null || echo "$bin")"
echo "$bin"
