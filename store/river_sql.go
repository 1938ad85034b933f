package store

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// This file is the one place the store touches River's table itself: it
// writes a job row on the webhook's fast path, as River v0.51's own insert
// does, and holds every statement (or part of one) that reads river_job for
// the console's figures, the launch checks, /metrics and the customer
// timeline, since River's client counts nothing. TestIngestJobRowIsRivers
// (jobs) compares the written row with one River's InsertTx writes and
// TestJobKindsNamedInStoreSQL the job kinds and argument keys named here, so a
// River upgrade that changes river_job, or a renamed job, fails there first.

// RiverJob is a River job row to insert as River's InsertTx would: no unique
// options, available now.
type RiverJob struct {
	Kind        string
	Queue       string
	MaxAttempts int
	Priority    int
	Args        []byte // the job args' JSON
}

// InsertEventWithJob stores a verified event and, only when it is new, the
// River job that applies it, in one statement: one round trip, committed on
// its own, so the event is durable with its job or not at all. It reports
// whether the event is new (a duplicate changes nothing). A broken connection
// is retried once: the event's unique ID makes that safe.
func (s *Store) InsertEventWithJob(ctx context.Context, e NewEvent, job RiverJob) (bool, error) {
	var inserted bool
	err := s.retryConnLost(ctx, func() error {
		return s.insertEventWithJob(ctx, e, job, &inserted)
	})
	return inserted, err
}

func (s *Store) insertEventWithJob(ctx context.Context, e NewEvent, job RiverJob, inserted *bool) error {
	err := s.db.QueryRow(ctx, `
		WITH ev AS (
			INSERT INTO stripe_events (id, type, api_version, livemode, created, stripe_account, object_id,
				customer_id, payload, status, last_error, request_id, source)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
			ON CONFLICT (id) DO NOTHING
			RETURNING id
		), job AS ( -- runs for each new event row, whether or not the SELECT reads it
			INSERT INTO river_job (args, kind, max_attempts, metadata, priority, queue, scheduled_at, state, tags)
			SELECT $14::jsonb, $15, $16, '{}'::jsonb, $17, $18, now(), 'available', '{}'::varchar(255)[]
			FROM ev
		)
		SELECT EXISTS (SELECT 1 FROM ev)`,
		e.ID, e.Type, e.APIVersion, e.Livemode, e.Created, e.StripeAccount, e.ObjectID,
		e.CustomerID, e.Payload, e.Status, e.LastError, e.RequestID, cmp.Or(e.Source, SourceWebhook),
		string(job.Args), job.Kind, job.MaxAttempts, job.Priority, job.Queue).Scan(inserted)
	return mapErr("insert event with job", err)
}

// NotifyRiverInsert wakes River's producers for a queue, as River does after
// its own inserts (they poll anyway; the notification saves the wait).
func (s *Store) NotifyRiverInsert(ctx context.Context, queue string) error {
	_, err := s.db.Exec(ctx, `SELECT pg_notify(current_schema() || '.river_insert', $1)`,
		fmt.Sprintf("{\"queue\": %q}", queue))
	return mapErr("notify river", err)
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

// riverCount is a scalar subquery counting River's jobs in one state, for the
// one-round-trip statements of the overview and the launch checks.
func riverCount(state string) string {
	return `(SELECT count(*) FROM river_job WHERE state = '` + state + `')`
}

// riverOldestAvailable is when the longest-waiting runnable job became runnable.
const riverOldestAvailable = `(SELECT min(scheduled_at) FROM river_job WHERE state = 'available')`

// riverStuck counts the jobs running for longer than the interval in
// parameter param (e.g. "$1"), and riverStuckKinds names their kinds.
func riverStuck(param string) string {
	return `(SELECT count(*) FROM river_job WHERE state = 'running' AND attempted_at < now() - ` + param + `::interval)`
}

func riverStuckKinds(param string) string {
	return `(SELECT coalesce(array_agg(DISTINCT kind ORDER BY kind), '{}') FROM river_job
		WHERE state = 'running' AND attempted_at < now() - ` + param + `::interval)`
}

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
