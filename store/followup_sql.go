package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// WebhookFailures counts what went wrong at the Stripe endpoint in a window.
type WebhookFailures struct {
	BadSignatures int64
	BadBodies     int64
	FailedEvents  int64 // events received in the window whose processing failed
}

// Total is every failure in the window.
func (w WebhookFailures) Total() int64 { return w.BadSignatures + w.BadBodies + w.FailedEvents }

// WebhookFailuresSince counts webhook refusals and failed events since a time.
func (s *Store) WebhookFailuresSince(ctx context.Context, since time.Time) (WebhookFailures, error) {
	var w WebhookFailures
	err := s.db.QueryRow(ctx, `
		SELECT
			coalesce((SELECT sum(count) FROM webhook_counters WHERE kind = 'bad_signature' AND bucket >= date_trunc('minute', $1::timestamptz)), 0),
			coalesce((SELECT sum(count) FROM webhook_counters WHERE kind = 'bad_body' AND bucket >= date_trunc('minute', $1::timestamptz)), 0),
			(SELECT count(*) FROM stripe_events WHERE status = 'failed' AND received_at >= $1)`, since).
		Scan(&w.BadSignatures, &w.BadBodies, &w.FailedEvents)
	return w, mapErr("webhook failures", err)
}

// EventReceivedAt returns when the webhook stored an event.
func (s *Store) EventReceivedAt(ctx context.Context, id string) (time.Time, error) {
	var at time.Time
	err := s.db.QueryRow(ctx, `SELECT received_at FROM stripe_events WHERE id = $1`, id).Scan(&at)
	return at, mapErr("event received at", err)
}

// DisputeByID returns one dispute.
func (s *Store) DisputeByID(ctx context.Context, id int64) (Dispute, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+disputeColumns+` FROM disputes WHERE id = $1`, id)
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Dispute])
	return d, mapErr("dispute by id", err)
}

// PayoutFailureByStripeID returns a payout's amount and failure reason.
func (s *Store) PayoutFailureByStripeID(ctx context.Context, id string) (PayoutFailure, error) {
	var p PayoutFailure
	err := s.db.QueryRow(ctx, `SELECT amount, currency, failure_code, failure_message FROM seller_payouts WHERE stripe_payout_id = $1`, id).
		Scan(&p.Amount, &p.Currency, &p.FailureCode, &p.FailureMessage)
	return p, mapErr("payout failure", err)
}
