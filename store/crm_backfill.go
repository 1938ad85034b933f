package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// CRMBackfill is one backfill run and its progress.
type CRMBackfill struct {
	ID          int64      `db:"id"`
	RequestedBy string     `db:"requested_by"`
	Before      *time.Time `db:"before"`
	Total       int        `db:"total"`
	Enqueued    int        `db:"enqueued"`
	StartedAt   time.Time  `db:"started_at"`
	FinishedAt  *time.Time `db:"finished_at"`
	// Remaining is how many of the accounts it covers are still not synced
	// since it started (computed).
	Remaining int `db:"remaining"`
}

// backfillCut is the accounts a backfill covers: created before it started,
// never synced or synced before its date (and before it started).
const backfillCut = `a.created_at <= b.started_at AND (a.crm_last_synced_at IS NULL OR
	(b.before IS NOT NULL AND a.crm_last_synced_at < least(b.before, b.started_at)))`

// CreateCRMBackfill records a backfill and counts the accounts it covers.
func (s *Store) CreateCRMBackfill(ctx context.Context, by string, before *time.Time) (CRMBackfill, error) {
	var id int64
	if err := s.db.QueryRow(ctx, `INSERT INTO crm_backfills (requested_by, before) VALUES ($1, $2) RETURNING id`, by, before).Scan(&id); err != nil {
		return CRMBackfill{}, mapErr("create crm backfill", err)
	}
	// The total is counted after the insert: the cut hangs on started_at.
	_, err := s.db.Exec(ctx, `UPDATE crm_backfills b SET total = (SELECT count(*) FROM accounts a WHERE `+backfillCut+`) WHERE b.id = $1`, id)
	if err != nil {
		return CRMBackfill{}, mapErr("count crm backfill", err)
	}
	return s.CRMBackfillByID(ctx, id)
}

const crmBackfillSelect = `SELECT b.id, b.requested_by, b.before, b.total, b.enqueued, b.started_at, b.finished_at,
	(SELECT count(*) FROM accounts a WHERE ` + backfillCut + `)::int AS remaining FROM crm_backfills b `

// CRMBackfillByID returns one backfill with its progress.
func (s *Store) CRMBackfillByID(ctx context.Context, id int64) (CRMBackfill, error) {
	rows, _ := s.db.Query(ctx, crmBackfillSelect+`WHERE b.id = $1`, id)
	b, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[CRMBackfill])
	return b, mapErr("crm backfill", err)
}

// CRMBackfills lists the latest backfills with their progress, newest first.
func (s *Store) CRMBackfills(ctx context.Context, limit int) ([]CRMBackfill, error) {
	rows, _ := s.db.Query(ctx, crmBackfillSelect+`ORDER BY b.id DESC LIMIT $1`, limit)
	bs, err := pgx.CollectRows(rows, pgx.RowToStructByName[CRMBackfill])
	return bs, mapErr("crm backfills", err)
}

// CRMBackfillBatch returns the next accounts (by ID, after afterID) a
// backfill covers.
func (s *Store) CRMBackfillBatch(ctx context.Context, id, afterID int64, limit int) ([]int64, error) {
	rows, _ := s.db.Query(ctx, `SELECT a.id FROM accounts a, crm_backfills b WHERE b.id = $1 AND a.id > $2 AND `+backfillCut+`
		ORDER BY a.id LIMIT $3`, id, afterID, limit)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return ids, mapErr("crm backfill batch", err)
}

// CRMBackfillEnqueued records how many syncs a backfill has scheduled; done
// marks it finished.
func (s *Store) CRMBackfillEnqueued(ctx context.Context, id int64, n int, done bool) error {
	_, err := s.db.Exec(ctx, `UPDATE crm_backfills SET enqueued = $2,
		finished_at = CASE WHEN $3 THEN now() ELSE finished_at END WHERE id = $1`, id, n, done)
	return mapErr("crm backfill enqueued", err)
}
