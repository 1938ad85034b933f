package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Metrics receives what the workers measure where it happens (the web layer
// exports it at /metrics). Deps.Metrics nil measures nothing.
type Metrics interface {
	// JobWorked records one run of a job: its kind, how long it took and how
	// it ended (see JobOutcome).
	JobWorked(kind, outcome string, d time.Duration)
	// EventProcessed records the time from a Stripe event's arrival (its
	// webhook's commit) to its processing.
	EventProcessed(d time.Duration)
	// CRMSynced records the time from an account's oldest change not yet in
	// the CRM (for a payment, its webhook's arrival) to the CRM's update.
	CRMSynced(provider string, d time.Duration)
}

// Job run outcomes, as JobWorked reports them.
const (
	OutcomeCompleted = "completed"
	OutcomeSnoozed   = "snoozed"
	OutcomeCancelled = "cancelled" // a permanent failure (river.JobCancel)
	OutcomeFailed    = "failed"    // an error or panic: retried while attempts remain
)

// JobOutcome names how a run that returned err ended.
func JobOutcome(err error) string {
	var snooze *rivertype.JobSnoozeError
	var cancel *rivertype.JobCancelError
	switch {
	case err == nil:
		return OutcomeCompleted
	case errors.As(err, &snooze):
		return OutcomeSnoozed
	case errors.As(err, &cancel):
		return OutcomeCancelled
	}
	return OutcomeFailed
}

// metricsMiddleware times every job River works and reports its outcome.
type metricsMiddleware struct {
	river.MiddlewareDefaults
	m Metrics
}

func (mw *metricsMiddleware) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	start := time.Now()
	finished := false
	defer func() {
		if !finished { // a panic: River recovers it and retries the job
			mw.m.JobWorked(job.Kind, OutcomeFailed, time.Since(start))
		}
	}()
	err := doInner(ctx)
	finished = true
	mw.m.JobWorked(job.Kind, JobOutcome(err), time.Since(start))
	return err
}
