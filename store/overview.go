package store

import (
	"context"
	"fmt"
	"time"
)

// Overview is the console's at-a-glance health of money, customers and
// integrations over a window.
type Overview struct {
	Since time.Time
	// Webhooks stored since (every verified delivery that made a row).
	WebhooksReceived int64
	// Refused deliveries since, by reason (webhook_counters).
	BadSignatures int64
	BadBodies     int64
	// Duplicates absorbed since (the same event ID delivered again).
	Duplicates int64
	// Events received since whose processing failed.
	ProcessingFailures int64
	// Events held for API version (all, whenever they came).
	Held int64
	// Orders whose payment settled since, by outcome.
	PaymentsSucceeded int64
	PaymentsFailed    int64
	// Open disputes and the nearest evidence deadline among them.
	OpenDisputes    int64
	NextEvidenceDue *time.Time
	// NextDisputeID is the open dispute whose deadline that is (0: none).
	NextDisputeID int64
	// River jobs: retrying (retryable), failed for good (discarded), and
	// waiting to run (available).
	JobsRetrying int64
	JobsFailed   int64
	QueueDepth   int64
	// The last successful CRM sync of any account.
	LastCRMSync *time.Time
	// Alerts nobody has acknowledged yet, and the newest few of them.
	OpenAlerts   int64
	NewestAlerts []Alert
	// How long changes took to reach the CRM, over the syncs since.
	CRMLatency CRMLatency
	// Backlog counts the events waiting for their first apply, and ApplyLag
	// is how long the oldest of them has waited (0 when none): see
	// eventBacklogWhere.
	Backlog  int64
	ApplyLag time.Duration
}

// overviewAlerts is how many open alerts the overview lists.
const overviewAlerts = 3

// PaymentSuccessRate is succeeded / (succeeded + failed) in percent; ok is
// false when no payment settled in the window.
func (o Overview) PaymentSuccessRate() (pct float64, ok bool) {
	n := o.PaymentsSucceeded + o.PaymentsFailed
	if n == 0 {
		return 0, false
	}
	return 100 * float64(o.PaymentsSucceeded) / float64(n), true
}

// Overview gathers the overview's figures since a time: the counts in one
// round trip, then the newest open alerts and the CRM latency.
func (s *Store) Overview(ctx context.Context, since time.Time) (Overview, error) {
	o := Overview{Since: since}
	var lag float64
	err := s.db.QueryRow(ctx, `
		SELECT
			(SELECT count(*) FROM stripe_events WHERE received_at >= $1),
			(SELECT coalesce(sum(count), 0) FROM webhook_counters WHERE kind = 'bad_signature' AND bucket >= date_trunc('minute', $1::timestamptz)),
			(SELECT coalesce(sum(count), 0) FROM webhook_counters WHERE kind = 'bad_body' AND bucket >= date_trunc('minute', $1::timestamptz)),
			(SELECT coalesce(sum(count), 0) FROM webhook_counters WHERE kind = 'duplicate' AND bucket >= date_trunc('minute', $1::timestamptz)),
			(SELECT count(*) FROM stripe_events WHERE status = 'failed' AND received_at >= $1),
			(SELECT count(*) FROM stripe_events WHERE status = 'held'),
			(SELECT count(*) FROM orders WHERE payment = 'succeeded' AND updated_at >= $1),
			(SELECT count(*) FROM orders WHERE payment = 'failed' AND updated_at >= $1),
			(SELECT count(*) FROM disputes WHERE queue_state = 'open'),
			(SELECT min(evidence_due_by) FROM disputes WHERE queue_state = 'open'),
			(SELECT coalesce(min(id), 0) FROM (SELECT id FROM disputes WHERE queue_state = 'open' AND evidence_due_by IS NOT NULL
				ORDER BY evidence_due_by, id LIMIT 1) d),
			`+riverCountRetryable+`,
			`+riverCountDiscarded+`,
			`+riverCountAvailable+`,
			(SELECT max(crm_last_synced_at) FROM accounts),
			(SELECT count(*) FROM alerts WHERE `+alertStateWhere[AlertStateOpen]+`),
			(SELECT count(*) FROM stripe_events WHERE `+eventBacklogWhere+`),
			(SELECT `+applyLagSeconds+` FROM stripe_events WHERE `+eventBacklogWhere+`)`, since).Scan(
		&o.WebhooksReceived, &o.BadSignatures, &o.BadBodies, &o.Duplicates, &o.ProcessingFailures, &o.Held,
		&o.PaymentsSucceeded, &o.PaymentsFailed, &o.OpenDisputes, &o.NextEvidenceDue, &o.NextDisputeID,
		&o.JobsRetrying, &o.JobsFailed, &o.QueueDepth, &o.LastCRMSync, &o.OpenAlerts, &o.Backlog, &lag)
	if err != nil {
		return o, fmt.Errorf("overview: %w", err)
	}
	o.ApplyLag = time.Duration(lag * float64(time.Second))
	if o.OpenAlerts > 0 {
		if o.NewestAlerts, err = s.AlertsIn(ctx, AlertStateOpen, nil, overviewAlerts); err != nil {
			return o, err
		}
	}
	o.CRMLatency, err = s.CRMLatencySince(ctx, since)
	return o, err
}

// Lagging reports whether the oldest event waiting to be applied has waited
// over a minute (the overview marks the apply lag then).
func (o Overview) Lagging() bool { return o.ApplyLag > time.Minute }
