// Package seed fills a database with a realistic marketplace at scale (the
// `switchboard seed` command) so that the console's speed can be measured
// where it matters: 100,000 accounts, a million Stripe events. Everything is
// generated inside Postgres with INSERT … SELECT over generate_series, a few
// statements per table, in one transaction.
//
// Distributions: 5% of accounts are sellers (Connect accounts); buyers and
// sellers are picked for orders with a power law (a few buy and sell a lot);
// most orders are paid, some refunded, failed or pending; about 6% of disputes
// are open, due within three weeks, a few overdue; CRM sync is mostly synced,
// some retrying or failed; events spread over a year, so the last 24 hours
// hold about 1/365 of them, with a few failed, held and ignored. Event
// payloads are Stripe's shapes (API version 2023-10-16), so the event pages
// render them and a replay could apply them.
package seed

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Sizes is how much to seed.
type Sizes struct {
	Accounts int
	Events   int
	Orders   int
	Disputes int
}

// Validate returns a message for sizes that cannot be seeded.
func (s Sizes) Validate() error {
	switch {
	case s.Accounts < 20:
		return errors.New("--accounts must be at least 20 (one in twenty is a seller)")
	case s.Orders < 0 || s.Events < 0 || s.Disputes < 0:
		return errors.New("sizes cannot be negative")
	case s.Disputes > s.Orders/2:
		return errors.New("--disputes can be at most half of --orders (disputes are on paid orders)")
	case s.Accounts > 10_000_000 || s.Orders > 50_000_000 || s.Events > 100_000_000:
		return errors.New("sizes above 10M accounts, 50M orders or 100M events are not supported")
	}
	return nil
}

// Result says what was seeded.
type Result struct {
	// Tag is in every Stripe ID and email of this run (several runs may share
	// a database).
	Tag    string
	Counts []Count
	Took   time.Duration
}

// Count is the number of rows seeded into one table.
type Count struct {
	Table string
	Rows  int64
}

// step is one statement of the seed (or a function, for what needs Go).
type step struct {
	table string // the table it fills ("" for bookkeeping)
	label string // what the progress line says, when not the table
	sql   string
	args  func(r *run) []any
	fn    func(ctx context.Context, tx pgx.Tx, r *run) (int64, error)
}

// run is one seeding's state: its tag and the ID each table had before.
type run struct {
	tag   string
	sizes Sizes
	lo    map[string]int64 // max(id) per table before this run
}

// Run seeds the database. It writes one line per step to progress.
func Run(ctx context.Context, pool *pgxpool.Pool, sz Sizes, progress io.Writer) (Result, error) {
	if err := sz.Validate(); err != nil {
		return Result{}, err
	}
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		return Result{}, err
	}
	r := &run{tag: "s" + hex.EncodeToString(b), sizes: sz, lo: map[string]int64{}}
	res := Result{Tag: r.tag}
	start := time.Now()
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		// A seed is rebuilt, not recovered: no need to wait for each WAL flush.
		if _, err := tx.Exec(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
			return err
		}
		for _, t := range []string{"accounts", "orders", "disputes", "subscriptions", "tickets", "messages"} {
			var lo int64
			if err := tx.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM `+t).Scan(&lo); err != nil {
				return fmt.Errorf("seed: highest %s id: %w", t, err)
			}
			r.lo[t] = lo
		}
		if err := r.exec(ctx, tx, entitySteps(), &res, progress); err != nil {
			return err
		}
		// The events refer to what the steps above made: plan them now.
		evs, err := eventSteps(ctx, tx, r)
		if err != nil {
			return err
		}
		return r.exec(ctx, tx, evs, &res, progress)
	})
	if err != nil {
		return res, err
	}
	// What autovacuum would get to soon after: fresh statistics, the visibility
	// map (index-only scans) and the GIN indexes' pending lists merged, so the
	// pages are measured in a database's usual state, not right after a load.
	t0 := time.Now()
	if _, err := pool.Exec(ctx, `VACUUM (ANALYZE) accounts, orders, refunds, disputes, subscriptions, invoices,
		messages, tickets, seller_payouts, stripe_events, river_job`); err != nil {
		return res, fmt.Errorf("seed: vacuum: %w", err)
	}
	fmt.Fprintf(progress, "seed: vacuum and analyze in %s\n", time.Since(t0).Round(time.Millisecond))
	res.Took = time.Since(start)
	return res, nil
}

// exec runs steps in order, counting the rows each one wrote.
func (r *run) exec(ctx context.Context, tx pgx.Tx, steps []step, res *Result, progress io.Writer) error {
	for _, s := range steps {
		t0 := time.Now()
		var n int64
		var err error
		if s.fn != nil {
			n, err = s.fn(ctx, tx, r)
		} else {
			var args []any
			if s.args != nil {
				args = s.args(r)
			}
			var tag pgconn.CommandTag
			tag, err = tx.Exec(ctx, s.sql, args...)
			n = tag.RowsAffected()
		}
		if err != nil {
			return fmt.Errorf("seed %s: %w", cmpOr(s.table, "setup"), err)
		}
		if s.table != "" {
			if !strings.Contains(s.table, " ") {
				res.add(s.table, n)
			}
			fmt.Fprintf(progress, "seed: %-38s %9d rows in %s\n", cmpOr(s.label, s.table), n,
				time.Since(t0).Round(time.Millisecond))
		}
	}
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (r *Result) add(table string, n int64) {
	for i := range r.Counts {
		if r.Counts[i].Table == table {
			r.Counts[i].Rows += n
			return
		}
	}
	r.Counts = append(r.Counts, Count{table, n})
}

// Rows is the number of rows seeded into a table.
func (r Result) Rows(table string) int64 {
	for _, c := range r.Counts {
		if c.Table == table {
			return c.Rows
		}
	}
	return 0
}
