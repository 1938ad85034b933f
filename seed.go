package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/switchboardhq/switchboard/internal/seed"
	"github.com/switchboardhq/switchboard/migrations"
)

// cmdSeed fills the database with a realistic marketplace at scale, for the
// page benchmark (make bench-pages). It refuses to run in production.
func cmdSeed(ctx context.Context, cfg config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var sz seed.Sizes
	fs.IntVar(&sz.Accounts, "accounts", 100_000, "")
	fs.IntVar(&sz.Events, "events", 1_000_000, "")
	fs.IntVar(&sz.Orders, "orders", 200_000, "")
	fs.IntVar(&sz.Disputes, "disputes", 5_000, "")
	if err := fs.Parse(args); err != nil {
		return usageError{"seed: " + err.Error()}
	}
	if err := sz.Validate(); err != nil {
		return usageError{"seed: " + err.Error()}
	}
	if cfg.production() {
		return errors.New("seed refuses to run with APP_ENV=production: it writes made-up customers and payments")
	}
	pool, err := openPool(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := migrations.Current(ctx, pool); err != nil {
		return err
	}
	res, err := seed.Run(ctx, pool, sz, stdout)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded in %s (tag %s):", res.Took.Round(1e8), res.Tag)
	for _, c := range res.Counts {
		fmt.Fprintf(stdout, " %d %s", c.Rows, c.Table)
	}
	fmt.Fprintln(stdout)
	return nil
}
