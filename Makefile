# Switchboard: the two commands are 'make run' and 'make test'.
SHELL := /bin/bash
export GOFLAGS := -buildvcs=false

.PHONY: run test build generate check bench bench-pages chaos

## run: start Switchboard with a local Postgres (unless DATABASE_URL is set), demo data and an admin login
run:
	@scripts/run.sh

## test: bring up Postgres and Chromium, check generated code and formatting, run every test with -race
test:
	@scripts/test.sh

build:
	go build -o bin/switchboard .

## generate: regenerate templ components
generate:
	go tool templ generate

## bench: the webhook load benchmark against a real server (see README)
bench:
	@scripts/bench.sh

## bench-pages: seed a large database and measure the console pages' server time (see README; not part of make test)
bench-pages:
	@scripts/bench-pages.sh

## chaos: the fault suite's chaos run at 10,000 events (kill -9, a Postgres restart, a CRM outage; see README; not part of make test)
chaos:
	FAULTS_EVENTS=$${FAULTS_EVENTS:-10000} go test -count=1 -run '^TestChaos$$' -v -timeout 30m ./internal/faults/
