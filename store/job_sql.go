package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// TxJob is a River job row written by the current transaction: one it inserted,
// or an existing one a unique insert matched (River touches that row instead of
// inserting a duplicate).
type TxJob struct {
	ID    int64  `db:"id"`
	Kind  string `db:"kind"`
	Args  string `db:"args"`
	State string `db:"state"`
	// Existing is true for a job that was there before the transaction began:
	// its unique key matched, so River would not insert another.
	Existing  bool      `db:"existing"`
	CreatedAt time.Time `db:"created_at"`
}

// JobsWrittenInTx lists the River jobs the current transaction inserted or
// matched by unique key. Call it inside InTx.
func (s *Store) JobsWrittenInTx(ctx context.Context) ([]TxJob, error) {
	rows, _ := s.db.Query(ctx, `
		SELECT id, kind, args::text AS args, state::text AS state, created_at < now() AS existing, created_at
		FROM river_job
		WHERE xmin = pg_current_xact_id()::xid
		ORDER BY id`)
	jobs, err := pgx.CollectRows(rows, pgx.RowToStructByName[TxJob])
	return jobs, mapErr("jobs written in tx", err)
}

// JobCounts counts River's jobs by state (River's client has no count; this
// is the overview's kind of figure, read with River's state index). kind ""
// counts every kind.
func (s *Store) JobCounts(ctx context.Context, kind string) (map[string]int64, error) {
	rows, _ := s.db.Query(ctx, `SELECT state::text, count(*) FROM river_job
		WHERE $1 = '' OR kind = $1 GROUP BY state`, kind)
	out := map[string]int64{}
	var st string
	var n int64
	_, err := pgx.ForEachRow(rows, []any{&st, &n}, func() error {
		out[st] = n
		return nil
	})
	return out, mapErr("job counts", err)
}
