package store

import (
	"cmp"
	"context"
	"fmt"
)

// This file is the one place the store writes River's tables itself (the
// webhook's fast path), as River v0.51's own insert does. TestIngestJobRowIsRivers
// (jobs) compares the row with one River's InsertTx writes, so a River upgrade
// that changes river_job fails there first.

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
