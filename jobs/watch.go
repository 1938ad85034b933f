package jobs

import (
	"context"
	"errors"
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

// DefaultApplyLagAlert is the apply lag (APPLY_LAG_ALERT) that raises an
// alert once it has lasted ApplyLagWindow.
const (
	DefaultApplyLagAlert = time.Minute
	ApplyLagWindow       = 5 * time.Minute
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
// events together reach the threshold within the window, and one when the
// apply lag has stayed over ApplyLagAlert for ApplyLagWindow.
type WebhookWatchWorker struct {
	river.WorkerDefaults[WebhookWatchArgs]
	Store    *store.Store
	Logger   *slog.Logger
	Dispatch *Dispatcher
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// ApplyLagAlert is the apply lag that alerts once it lasts
	// ApplyLagWindow (APPLY_LAG_ALERT); zero or less checks none.
	ApplyLagAlert time.Duration
}

// Timeout bounds one check.
func (w *WebhookWatchWorker) Timeout(*river.Job[WebhookWatchArgs]) time.Duration {
	return watchTimeout
}

// Work resolves the alerts whose cause cleared, then raises the
// webhook-failures alert and the apply-lag alert when their conditions hold.
func (w *WebhookWatchWorker) Work(ctx context.Context, _ *river.Job[WebhookWatchArgs]) error {
	return errors.Join(w.resolveCleared(ctx), w.failures(ctx), w.applyLag(ctx))
}

// resolveCleared resolves the alerts whose cause has cleared.
func (w *WebhookWatchWorker) resolveCleared(ctx context.Context) error {
	n, err := w.Store.ResolveClearedAlerts(ctx)
	if n > 0 {
		w.Logger.InfoContext(ctx, "alerts resolved: their cause cleared", "count", n)
	}
	return err
}

// applyLag raises the apply-lag alert when the lag has stayed over
// ApplyLagAlert for ApplyLagWindow: Stripe's changes reach accounts and orders
// minutes late.
func (w *WebhookWatchWorker) applyLag(ctx context.Context) error {
	if w.ApplyLagAlert <= 0 {
		return nil
	}
	over, err := w.Store.ApplyLagStayedOver(ctx, w.ApplyLagAlert, ApplyLagWindow)
	if err != nil || !over {
		return err
	}
	backlog, lag, err := w.Store.ApplyLag(ctx)
	if err != nil {
		return err
	}
	w.Logger.WarnContext(ctx, "apply lag over threshold", "lag", lag.Round(time.Second).String(), "backlog", backlog)
	return w.Dispatch.RaiseNow(ctx, w.Store, store.NewAlert{
		Kind: store.AlertApplyLag, Subject: "stripe_events", Severity: store.SeverityWarning,
		Message: fmt.Sprintf("Stripe events have waited over %s to be applied for %s: %d are waiting, the oldest for %s. "+
			"The console shows state that old. Check the jobs page and River's UI for a stuck events queue, and Postgres for locks; add instances if it is load.",
			w.ApplyLagAlert, ApplyLagWindow, backlog, lag.Round(time.Second)),
	})
}

// failures counts the window's failures and raises the alert at the threshold.
func (w *WebhookWatchWorker) failures(ctx context.Context) error {
	now := time.Now()
	if w.Now != nil {
		now = w.Now()
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
