package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/switchboardhq/switchboard/store"
)

// WebhookFailureThreshold is how many webhook failures within
// WebhookFailureWindow raise an alert.
const (
	WebhookFailureThreshold = 5
	WebhookFailureWindow    = 5 * time.Minute
)

// WebhookWatchArgs checks the Stripe endpoint's recent failures. River's
// leader enqueues it every minute.
type WebhookWatchArgs struct{}

// Kind is the stable job kind.
func (WebhookWatchArgs) Kind() string { return "webhook_watch" }

// InsertOpts: on the alerts queue, a single attempt (the next minute's run is
// the retry), one pending at a time.
func (WebhookWatchArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueAlerts, MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByState: pendingStates}}
}

// WebhookWatchWorker raises an alert when bad signatures, bad bodies and failed
// events together reach the threshold within the window.
type WebhookWatchWorker struct {
	river.WorkerDefaults[WebhookWatchArgs]
	Store    *store.Store
	Logger   *slog.Logger
	Dispatch *Dispatcher
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Timeout bounds one check.
func (w *WebhookWatchWorker) Timeout(*river.Job[WebhookWatchArgs]) time.Duration {
	return watchTimeout
}

// Work resolves the alerts whose cause cleared, then counts the window's
// failures and raises the alert at the threshold.
func (w *WebhookWatchWorker) Work(ctx context.Context, _ *river.Job[WebhookWatchArgs]) error {
	now := time.Now()
	if w.Now != nil {
		now = w.Now()
	}
	if n, err := w.Store.ResolveClearedAlerts(ctx); err != nil {
		return err
	} else if n > 0 {
		w.Logger.InfoContext(ctx, "alerts resolved: their cause cleared", "count", n)
	}
	f, err := w.Store.WebhookFailuresSince(ctx, now.Add(-WebhookFailureWindow))
	if err != nil {
		return err
	}
	if f.Total() < WebhookFailureThreshold {
		return nil
	}
	w.Logger.WarnContext(ctx, "stripe webhook failures over threshold", "bad_signatures", f.BadSignatures,
		"bad_bodies", f.BadBodies, "failed_events", f.FailedEvents)
	return w.Dispatch.RaiseNow(ctx, w.Store, store.NewAlert{
		Kind: store.AlertWebhookFailures, Subject: "stripe", Severity: store.SeverityCritical,
		Message: fmt.Sprintf("In the last %s the Stripe endpoint refused %d bad signatures and %d bad bodies, and %d events failed to apply. "+
			"Check STRIPE_WEBHOOK_SECRET (rotation?) and the failed events in the console.",
			WebhookFailureWindow, f.BadSignatures, f.BadBodies, f.FailedEvents),
	})
}

// webhookWatchJob is the periodic job that runs the watch every minute.
func webhookWatchJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
		func() (river.JobArgs, *river.InsertOpts) { return WebhookWatchArgs{}, nil },
		&river.PeriodicJobOpts{ID: "webhook_watch", RunOnStart: true})
}
