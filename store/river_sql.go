package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// This file holds every statement (or part of one) that reads River's table
// for the console's figures, the launch checks, /metrics and the customer
// timeline, since River's client counts nothing. Nothing here writes it: the
// webhook's job row is written by one named adapter in jobs (riverjob.go),
// through InsertEventAnd. TestJobKindsNamedInStoreSQL (jobs) checks the job
// kinds and argument keys named here, and TestRiverVersionChecked fails when
// go.mod's River version changes, so both are re-checked on each upgrade.

// NotifyChannel is River's insert notification, which wakes its producers
// (they poll anyway; a notification saves the wait).
func (s *Store) NotifyChannel(ctx context.Context, channel, payload string) error {
	_, err := s.db.Exec(ctx, `SELECT pg_notify(current_schema() || '.' || $1, $2)`, channel, payload)
	return mapErr("notify "+channel, err)
}

// River's table, read.

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

// Scalar subqueries counting River's jobs in one state, for the
// one-round-trip statements of the overview and the launch checks.
const (
	riverCountAvailable = `(SELECT count(*) FROM river_job WHERE state = 'available')`
	riverCountRetryable = `(SELECT count(*) FROM river_job WHERE state = 'retryable')`
	riverCountDiscarded = `(SELECT count(*) FROM river_job WHERE state = 'discarded')`
)

// riverOldestAvailable is when the longest-waiting runnable job became runnable.
const riverOldestAvailable = `(SELECT min(scheduled_at) FROM river_job WHERE state = 'available')`

// riverStuck counts the jobs running for longer than the interval in $1, and
// riverStuckKinds names their kinds.
const (
	riverStuck      = `(SELECT count(*) FROM river_job WHERE state = 'running' AND attempted_at < now() - $1::interval)`
	riverStuckKinds = `(SELECT coalesce(array_agg(DISTINCT kind ORDER BY kind), '{}') FROM river_job
		WHERE state = 'running' AND attempted_at < now() - $1::interval)`
)

// riverJobsByKindAndState counts the unfinished and failed jobs by kind and
// state for /metrics (completed ones are what River's cleaner removes).
const riverJobsByKindAndState = `SELECT kind, state::text AS state, count(*) AS n FROM river_job
	WHERE state IN ('available', 'scheduled', 'retryable', 'running', 'pending', 'discarded', 'cancelled')
	GROUP BY 1, 2 ORDER BY 1, 2`

// riverOldestAges is how long the oldest available job has waited and the
// oldest running one has run, in seconds (0 when none). Never below 0: an
// available job's scheduled time can be a moment past the statement's now()
// (seen once as -0.8 s under a loaded -race run), which is no wait at all.
const riverOldestAges = `SELECT
		greatest(coalesce(extract(epoch FROM now() - min(scheduled_at) FILTER (WHERE state = 'available')), 0), 0)::float8,
		greatest(coalesce(extract(epoch FROM now() - min(attempted_at) FILTER (WHERE state = 'running')), 0), 0)::float8
	FROM river_job WHERE state IN ('available', 'running')`

// The customer timeline's two job sources: the account's CRM syncs (River's
// GIN index on args) and the sends of its messages. The sends are matched by
// hashing the account's message IDs against the email jobs: River keeps
// finished jobs a day and failed ones a week, so there are few, and
// per-message GIN lookups are what a generic plan turns into a scan per
// message. Both take the account as $1, the page size as $7 and the cursor
// condition as %s, like every timeline source.
const (
	riverTimelineCRMSyncs = `SELECT created_at, ` + padID + `, id::text AS ref, kind, state::text,
		NULL::bigint, '', coalesce(errors[array_upper(errors, 1)]->>'error', '')
		FROM river_job WHERE kind = 'crm_sync' AND args @> jsonb_build_object('account_id', $1::bigint) AND %s
		ORDER BY created_at DESC, id DESC LIMIT $7`
	riverTimelineEmails = `SELECT created_at, ` + padID + `, id::text AS ref, kind, state::text,
		NULL::bigint, '', coalesce(errors[array_upper(errors, 1)]->>'error', '')
		FROM river_job WHERE kind = 'email' AND args->>'message_id' IN (SELECT id::text FROM messages WHERE account_id = $1)
		AND %s ORDER BY created_at DESC, id DESC LIMIT $7`
)

// riverFinishedByBucket counts the jobs finished since $1 in buckets of $2:
// completed, and failed for good (discarded or cancelled). River's index on
// (state, finalized_at) serves it.
const riverFinishedByBucket = `SELECT date_bin($2::interval, finalized_at, $1) AS b,
		count(*) FILTER (WHERE state = 'completed'),
		count(*) FILTER (WHERE state IN ('discarded', 'cancelled'))
	FROM river_job WHERE state IN ('completed', 'discarded', 'cancelled') AND finalized_at >= $1 GROUP BY 1`
