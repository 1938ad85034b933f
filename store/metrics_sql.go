package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// JobCount is how many River jobs of a kind are in a state.
type JobCount struct {
	Kind  string `db:"kind"`
	State string `db:"state"`
	N     int64  `db:"n"`
}

// Figures are the operational numbers /metrics reads at scrape time. Each
// query is served by an index and reads only the rows still in flight, never
// the history (completed jobs, processed events, synced accounts).
type Figures struct {
	// Jobs counts River jobs that are not completed, by kind and state.
	Jobs []JobCount
	// OldestAvailable and OldestRunning are the ages in seconds of the job
	// waiting longest for a worker and of the job running longest (0 when none).
	OldestAvailable, OldestRunning float64
	// Events counts Stripe events that are received (waiting or retrying),
	// failed or held.
	Events map[string]int64
	// CRMBacklog counts accounts with a change not yet in the CRM, by sync
	// status; CRMOldest is the age in seconds of the oldest such change.
	CRMBacklog map[string]int64
	CRMOldest  float64
	// Backlog counts the events waiting for their first apply and ApplyLag
	// is the age in seconds of the oldest of them (0 when none).
	Backlog  int64
	ApplyLag float64
}

// eventBacklogWhere selects the events waiting for their first apply: the
// backlog whose age is the apply lag. An event whose attempt failed and
// waits for River's retry is left out (the failing-events figures count it):
// the lag says whether applying keeps up with acknowledging.
const eventBacklogWhere = `status = 'received' AND attempts = 0`

// applyLagSeconds is the age of the oldest event in a backlog selection.
const applyLagSeconds = `coalesce(extract(epoch FROM now() - min(received_at)), 0)::float8`

// MetricsFigures reads Figures in one round trip.
func (s *Store) MetricsFigures(ctx context.Context) (Figures, error) {
	f := Figures{Events: map[string]int64{}, CRMBacklog: map[string]int64{}}
	b := &pgx.Batch{}
	b.Queue(riverJobsByKindAndState).Query(func(rows pgx.Rows) error {
		var err error
		f.Jobs, err = pgx.CollectRows(rows, pgx.RowToStructByName[JobCount])
		return err
	})
	b.Queue(riverOldestAges).QueryRow(func(row pgx.Row) error {
		return row.Scan(&f.OldestAvailable, &f.OldestRunning)
	})
	b.Queue(`SELECT status, count(*) FROM stripe_events WHERE status IN ('received', 'failed', 'held') GROUP BY 1`).
		Query(func(rows pgx.Rows) error { return collectCounts(rows, f.Events) })
	b.Queue(`SELECT crm_sync_status, count(*) FROM accounts WHERE crm_dirty_since IS NOT NULL GROUP BY 1`).
		Query(func(rows pgx.Rows) error { return collectCounts(rows, f.CRMBacklog) })
	b.Queue(`SELECT coalesce(extract(epoch FROM now() - min(crm_dirty_since)), 0)::float8 FROM accounts
		WHERE crm_dirty_since IS NOT NULL`).QueryRow(func(row pgx.Row) error { return row.Scan(&f.CRMOldest) })
	b.Queue(`SELECT count(*), ` + applyLagSeconds + ` FROM stripe_events WHERE ` + eventBacklogWhere).
		QueryRow(func(row pgx.Row) error { return row.Scan(&f.Backlog, &f.ApplyLag) })
	err := s.pool.SendBatch(ctx, b).Close()
	return f, mapErr("metrics figures", err)
}

func collectCounts(rows pgx.Rows, into map[string]int64) error {
	var k string
	var n int64
	_, err := pgx.ForEachRow(rows, []any{&k, &n}, func() error { into[k] = n; return nil })
	return err
}
