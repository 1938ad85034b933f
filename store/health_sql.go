package store

import (
	"context"
	"fmt"
	"time"
)

// QueueHealth is the state of the work queue and the event ledger that the
// launch checks look at.
type QueueHealth struct {
	// Stuck counts jobs running for longer than the threshold asked for (a
	// worker that died without River noticing, or one that ignores its
	// timeout); StuckKinds names their kinds.
	Stuck      int64
	StuckKinds []string
	// Available jobs wait for a worker; OldestAvailable is when the longest
	// waiting one became runnable (nil when none wait).
	Available       int64
	OldestAvailable *time.Time
	// Retryable jobs failed and wait for another attempt; Discarded ones
	// failed for good.
	Retryable int64
	Discarded int64
	// HeldEvents are stored under an API version this build does not speak;
	// FailedEvents failed with no retry scheduled.
	HeldEvents   int64
	FailedEvents int64
}

// QueueHealth reads the queue's and the ledger's figures in one round trip;
// a job counts as stuck when it has been running longer than stuckAfter.
func (s *Store) QueueHealth(ctx context.Context, stuckAfter time.Duration) (QueueHealth, error) {
	var h QueueHealth
	err := s.db.QueryRow(ctx, `
		SELECT
			`+riverStuck+`,
			`+riverStuckKinds+`,
			`+riverCountAvailable+`,
			`+riverOldestAvailable+`,
			`+riverCountRetryable+`,
			`+riverCountDiscarded+`,
			(SELECT count(*) FROM stripe_events WHERE status = 'held'),
			(SELECT count(*) FROM stripe_events WHERE status = 'failed')`, stuckAfter).Scan(
		&h.Stuck, &h.StuckKinds, &h.Available, &h.OldestAvailable, &h.Retryable, &h.Discarded, &h.HeldEvents, &h.FailedEvents)
	if err != nil {
		return h, fmt.Errorf("queue health: %w", err)
	}
	return h, nil
}
