package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

const reconcileColumns = `id, trigger, since, clamped, started_at, finished_at, accounts, pages, listed,
	added, known, held, ignored, error`

// StartReconcileRun records the start of a reconciliation and returns its ID.
func (s *Store) StartReconcileRun(ctx context.Context, trigger string, since time.Time, clamped bool) (int64, error) {
	var id int64
	err := s.db.QueryRow(ctx, `INSERT INTO reconcile_runs (trigger, since, clamped) VALUES ($1, $2, $3) RETURNING id`,
		trigger, since, clamped).Scan(&id)
	return id, mapErr("start reconcile run", err)
}

// FinishReconcileRun records how a reconciliation ended: its counts, how many
// Stripe accounts it read (the platform and connected sellers) and the error
// that kept a page unread ("" when none).
func (s *Store) FinishReconcileRun(ctx context.Context, id int64, accounts int, c ReconcileCounts, errText string) error {
	_, err := s.db.Exec(ctx, `
		UPDATE reconcile_runs SET finished_at = now(), accounts = $2, pages = $3, listed = $4, added = $5,
			known = $6, held = $7, ignored = $8, error = $9
		WHERE id = $1`, id, accounts, c.Pages, c.Listed, c.Added, c.Known, c.Held, c.Ignored, errText)
	return mapErr("finish reconcile run", err)
}

// ReconcileRuns returns the latest reconciliations, newest first.
func (s *Store) ReconcileRuns(ctx context.Context, limit int) ([]ReconcileRun, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+reconcileColumns+` FROM reconcile_runs
		ORDER BY started_at DESC, id DESC LIMIT $1`, limit)
	runs, err := pgx.CollectRows(rows, pgx.RowToStructByName[ReconcileRun])
	return runs, mapErr("reconcile runs", err)
}

// ConnectedAccountIDs returns the Stripe Connect account IDs (acct_…) of the
// sellers we know, in a stable order.
func (s *Store) ConnectedAccountIDs(ctx context.Context) ([]string, error) {
	rows, _ := s.db.Query(ctx, `SELECT stripe_account_id FROM accounts
		WHERE stripe_account_id IS NOT NULL AND stripe_account_id <> '' ORDER BY stripe_account_id`)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return ids, mapErr("connected account ids", err)
}
