#!/usr/bin/env bash
# Everything the tests need, then the whole suite. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS=-buildvcs=false

DATABASE_URL=$(scripts/pg.sh)
export DATABASE_URL
echo "test.sh: Postgres at ${DATABASE_URL%%\?*}"

if [ -x scripts/chromium.sh ]; then
	CHROMIUM=$(scripts/chromium.sh)
	export CHROMIUM
fi

echo "test.sh: checking tracked file sizes, formatting, generated code, vet and staticcheck"
scripts/check-size.sh
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.pgdata/*'))
if [ -n "$unformatted" ]; then
	echo "test.sh: these files need gofmt:" >&2
	echo "$unformatted" >&2
	exit 1
fi
if ls views/*.templ >/dev/null 2>&1; then
	go tool templ generate >/dev/null
	if ! git diff --exit-code --stat -- 'views/*_templ.go'; then
		echo "test.sh: views/*_templ.go were out of date with the .templ files: run 'make generate' and commit" >&2
		exit 1
	fi
	if [ -n "$(git ls-files --others --exclude-standard -- 'views/*_templ.go')" ]; then
		echo "test.sh: generated views/*_templ.go files are not committed" >&2
		exit 1
	fi
fi
go vet ./...
go tool staticcheck ./...

echo "test.sh: running the tests"
go test -race -count=1 -timeout 20m ./... "$@"
