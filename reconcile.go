package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/internal/logx"
	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/jobs/stripeapi"
	"github.com/switchboardhq/switchboard/store"
)

// reconcileBackoff is the reconciler's first wait after a 5xx or a network
// error (tests shorten it).
var reconcileBackoff = time.Second

// parseSince reads --since: a duration back from now (72h, 30m) or a date
// (2006-01-02, UTC midnight) or an RFC 3339 time.
func parseSince(v string, now time.Time) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, usageError{"reconcile needs --since DURATION|DATE (for example 72h or 2026-11-01)"}
	}
	if d, err := time.ParseDuration(v); err == nil {
		if d <= 0 {
			return time.Time{}, usageError{"--since " + v + ": the duration must be positive"}
		}
		return now.Add(-d), nil
	}
	if n, ok := strings.CutSuffix(v, "d"); ok {
		var days int
		if _, err := fmt.Sscanf(n, "%d", &days); err == nil && days > 0 && fmt.Sprint(days) == n {
			return now.Add(-time.Duration(days) * 24 * time.Hour), nil
		}
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Time{}, usageError{fmt.Sprintf("--since %q: want a duration (72h, 30m, 7d), a date (2026-11-01) or an RFC 3339 time", v)}
}

func cmdReconcile(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("reconcile", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	sinceFlag := fs.String("since", "", "")
	if err := fs.Parse(args); err != nil {
		return usageError{"reconcile: " + err.Error()}
	}
	now := time.Now()
	since, err := parseSince(*sinceFlag, now)
	if err != nil {
		return err
	}
	if since.After(now) {
		return usageError{"--since " + *sinceFlag + " is in the future"}
	}
	if cfg.StripeSecretKey == "" {
		return errors.New("STRIPE_SECRET_KEY is not set: reconcile reads Stripe's Events API with it (a secret key, or a restricted key with read access to events)")
	}
	pool, err := openPool(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	log := logx.New(stderr, cfg.production(), logLevel())
	st := store.New(pool)
	deps, err := jobDeps(cfg, st, log)
	if err != nil {
		return err
	}
	// Enqueue only (the dispatcher, for held alerts): the serving instances apply what is ingested.
	_, dispatch, err := jobs.New(pool, deps, jobs.Options{})
	if err != nil {
		return fmt.Errorf("river client: %w", err)
	}
	rec := &jobs.Reconciler{
		Stripe: stripeapi.New(cfg.StripeSecretKey, cfg.StripeAPIBase, stripeapi.WithRetries(0)),
		Ingest: &jobs.Ingester{Store: st, Dispatch: dispatch, Production: cfg.production()},
		Store:  st, Logger: log, Backoff: reconcileBackoff,
	}
	res, err := rec.Run(ctx, since, store.ReconcileCLI)
	printReconciled(stdout, res)
	if err != nil {
		return fmt.Errorf("reconcile did not read every page (run again: it is idempotent): %w", err)
	}
	return nil
}

// printReconciled prints the clamp note, one line per Stripe account and the
// total.
func printReconciled(w io.Writer, res jobs.Reconciled) {
	if res.Clamped {
		fmt.Fprintf(w, "note: Stripe keeps events for 30 days; reconciling since %s instead\n", res.Since.UTC().Format(time.RFC3339))
	}
	line := func(name string, c store.ReconcileCounts, err error) {
		fmt.Fprintf(w, "%-28s pages %d  listed %d  added %d (held %d, ignored %d)  already known %d", name,
			c.Pages, c.Listed, c.Added, c.Held, c.Ignored, c.Known)
		if err != nil {
			fmt.Fprintf(w, "  INCOMPLETE: %v", err)
		}
		fmt.Fprintln(w)
	}
	for _, a := range res.Accounts {
		name := "platform"
		if a.Account != "" {
			name = "connected " + a.Account
		}
		line(name, a.ReconcileCounts, a.Err)
	}
	fmt.Fprintf(w, "total since %s: %d accounts, ", res.Since.UTC().Format(time.RFC3339), len(res.Accounts))
	c := res.Total
	fmt.Fprintf(w, "%d pages, listed %d, added %d (held %d, ignored %d), already known %d\n",
		c.Pages, c.Listed, c.Added, c.Held, c.Ignored, c.Known)
}
