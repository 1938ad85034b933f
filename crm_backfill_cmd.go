package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/switchboardhq/switchboard/internal/logx"
	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
)

// cmdCRMBackfill schedules a CRM sync for every account never synced (or
// synced before --before), at jobs.CRMBackfillPerSecond, printing progress;
// the serving instances push them. Running it again schedules only what is
// still not synced.
func cmdCRMBackfill(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("crm backfill", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	beforeFlag := fs.String("before", "", "")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return usageError{"crm backfill [--before YYYY-MM-DD]"}
	}
	var before *time.Time
	if *beforeFlag != "" {
		t, err := time.Parse(time.DateOnly, *beforeFlag)
		if err != nil {
			return usageError{fmt.Sprintf("--before %q: want a date like 2026-01-31", *beforeFlag)}
		}
		before = &t
	}
	if cfg.CRMProvider == "none" || cfg.CRMProvider == "" {
		return errors.New("CRM_PROVIDER is none: there is no CRM to backfill (set CRM_PROVIDER=hubspot or webhook)")
	}
	pool, err := openPool(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	st := store.New(pool)
	deps, err := jobDeps(cfg, st, logx.New(stderr, cfg.production(), logLevel()))
	if err != nil {
		return err
	}
	// An insert-only client: the serving instances push what is scheduled.
	_, dispatch, err := jobs.New(pool, deps, jobs.Options{})
	if err != nil {
		return fmt.Errorf("river client: %w", err)
	}
	var b store.CRMBackfill
	err = st.InTx(ctx, func(tx *store.Store) error {
		if b, err = tx.CreateCRMBackfill(ctx, "cli", before); err != nil {
			return err
		}
		return tx.Audit(ctx, "cli", "crm.backfill", fmt.Sprintf("crm_backfill:%d", b.ID), map[string]any{"before": *beforeFlag, "accounts": b.Total})
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backfill %d: %d accounts to sync\n", b.ID, b.Total)
	n, err := dispatch.Backfill(ctx, st, b, func(done, total int) {
		fmt.Fprintf(stdout, "scheduled %d/%d\n", done, total)
	})
	if err != nil {
		return fmt.Errorf("backfill %d stopped after scheduling %d syncs (run again: it schedules only what is left): %w", b.ID, n, err)
	}
	fmt.Fprintf(stdout, "scheduled %d syncs over about %s; progress on /crm/backfill\n", n,
		(time.Duration(n) * time.Second / jobs.CRMBackfillPerSecond).Round(time.Second))
	return nil
}
