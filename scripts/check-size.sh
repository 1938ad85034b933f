#!/usr/bin/env bash
# Fails when git tracks a file over 1 MB that is not on the allow-list below: build
# outputs (binaries, coverage, screenshots) belong in .gitignore, and every clone pays
# for a large file forever.
set -euo pipefail
cd "$(dirname "$0")/.."
limit=${SIZE_LIMIT:-1000000}
# Paths allowed to exceed the limit, one per line (none today).
allowed=()

status=0
while IFS= read -r -d '' f; do
	[ -f "$f" ] || continue
	size=$(stat -c %s "$f")
	[ "$size" -gt "$limit" ] || continue
	ok=0
	for a in "${allowed[@]+"${allowed[@]}"}"; do [ "$a" = "$f" ] && ok=1; done
	if [ "$ok" = 0 ]; then
		echo "check-size.sh: $f is $size bytes, over the $limit-byte limit for tracked files: remove it from git (git rm --cached) and add it to .gitignore, or add it to the allow-list in scripts/check-size.sh with a reason" >&2
		status=1
	fi
done < <(git ls-files -z)
exit $status
