#!/usr/bin/env bash
# make run: Postgres (local cluster unless DATABASE_URL is set), migrations, an
# admin login printed once, demo data, then switchboard serve.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS=-buildvcs=false
DATABASE_URL=$(scripts/pg.sh)
export DATABASE_URL
mkdir -p .run
chmod 700 .run
go build -o bin/switchboard .
bin/switchboard migrate

# A development webhook secret, kept in .run/ (git-ignored) so that it survives
# restarts. With the Stripe CLI, use the secret 'stripe listen' prints instead:
#   STRIPE_WEBHOOK_SECRET=whsec_… make run
if [ -z "${STRIPE_WEBHOOK_SECRET:-}" ]; then
	[ -s .run/webhook-secret ] || echo "whsec_dev_$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" >.run/webhook-secret
	STRIPE_WEBHOOK_SECRET=$(cat .run/webhook-secret)
	export STRIPE_WEBHOOK_SECRET
fi

# The URL the server really listens on (BASE_URL, else from LISTEN_ADDR).
console_url=$(scripts/console-url.sh)
admin_email=${ADMIN_EMAIL:-admin@example.com}
admin_password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=' | cut -c1-20)
if out=$(printf '%s\n' "$admin_password" | bin/switchboard user add --email "$admin_email" --role admin 2>&1); then
	cat <<MSG

  ┌─ Switchboard admin login (shown once) ─────────────────────
  │ console:  $console_url/login
  │ email:    $admin_email
  │ password: $admin_password
  └──────────────────────────────────────────────────────────────

MSG
elif [[ $out == *"already exists"* ]]; then
	echo "run.sh: admin $admin_email exists (its password was printed on the first run)"
else
	echo "$out" >&2
	exit 1
fi

bin/switchboard demo
echo "run.sh: webhooks: POST $console_url/webhooks/stripe, signing secret in .run/webhook-secret"
echo "run.sh: for real test-mode events: stripe listen --forward-to $console_url/webhooks/stripe"
exec bin/switchboard serve
