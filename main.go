// Command switchboard is the operations back office of a two-sided marketplace
// on Stripe: webhooks in exactly once, one Postgres as the source of truth,
// follow-up work as River jobs, and a console. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: switchboard COMMAND [flags]

commands:
  serve                         run the web server and the workers
  migrate                       apply database migrations (ours and River's)
  user add --email E --role admin|support|seller [--account ID]
                                add a console user; the password is the first line of stdin
  user reset-password --email E set a user's password (first line of stdin) and end their sessions
  token create --name N --scope S[,S...]
                                create an API token and print it once; scopes tickets:write,
                                signups:write, read, metrics (all when none is given)
  token list                    list API tokens: scopes, last use, revoked or live
  token revoke NAME|ID          revoke an API token
  replay EVENT_ID...            apply stored Stripe events again (held, failed, ignored or processed)
  crm setup                     create Switchboard's property group and contact properties in HubSpot
  crm backfill [--before DATE]  schedule a CRM sync for every account never synced (or synced before DATE),
                                2 a second so HubSpot's limits hold; progress also on /crm/backfill
  reconcile --since DURATION|DATE
                                fetch events the webhook missed from Stripe's Events API (72h, 2026-11-01;
                                at most 30 days back) and ingest them; idempotent; needs STRIPE_SECRET_KEY
  demo                          load a small demo marketplace into an empty database (make run does this)
  doctor [--json]               check the deployment is ready: one line per check (ok, warn, fail or skip,
                                the finding and the fix); exits 1 when any check fails
  seed [--accounts N] [--events N] [--orders N] [--disputes N]
                                fill the database with a large made-up marketplace (for make bench-pages;
                                refused when APP_ENV=production)

configuration comes from the environment; see README.md.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(os.Stderr, "switchboard: %v\n\n%s", err, usage)
			os.Exit(2)
		}
		fmt.Fprintf(os.Stderr, "switchboard: %v\n", err)
		os.Exit(1)
	}
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// run dispatches a command; tests call it directly.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	switch args[0] {
	case "serve":
		return cmdServe(ctx, cfg, stderr)
	case "migrate":
		return cmdMigrate(ctx, cfg, stdout)
	case "user":
		return cmdUser(ctx, cfg, args[1:], stdin, stdout)
	case "token":
		return cmdToken(ctx, cfg, args[1:], stdout)
	case "replay":
		return cmdReplay(ctx, cfg, args[1:], stdout, stderr)
	case "crm":
		return cmdCRM(ctx, cfg, args[1:], stdout, stderr)
	case "reconcile":
		return cmdReconcile(ctx, cfg, args[1:], stdout, stderr)
	case "demo":
		return cmdDemo(ctx, cfg, stdout, stderr)
	case "seed":
		return cmdSeed(ctx, cfg, args[1:], stdout)
	case "doctor":
		return cmdDoctor(ctx, cfg, args[1:], stdout)
	}
	return usageError{fmt.Sprintf("unknown command %q", args[0])}
}

func logLevel() slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(envOr("LOG_LEVEL", "info"))); err != nil {
		return slog.LevelInfo
	}
	return l
}
