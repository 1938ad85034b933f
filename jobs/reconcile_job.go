package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/switchboardhq/switchboard/store"
)

// Reconciliation's timing (see the timing comment in client.go).
const (
	// DefaultReconcileInterval and DefaultReconcileWindow are how often the
	// leader reconciles and how far back (RECONCILE_INTERVAL,
	// RECONCILE_WINDOW).
	DefaultReconcileInterval = time.Hour
	DefaultReconcileWindow   = 6 * time.Hour
	// ConsoleReconcileWindow is how far back the console's button reaches.
	ConsoleReconcileWindow = 72 * time.Hour

	// reconcileTimeout leaves room for many pages (each request has 30 s, a
	// page may wait for retries). It is above maxJobTimeout on purpose, which
	// the rescue rule allows: River's rescuer never rescues a job before its
	// own Timeout has passed (it checks each job's Timeout besides
	// RescueAfter), so a live run is never rescued. A run stranded by a crash
	// is retried about reconcileTimeout + 30 s after it started, which is fine
	// for work that is idempotent and repeats every RECONCILE_INTERVAL anyway;
	// until then the unique job makes new runs wait, rather than overlap.
	reconcileTimeout = 10 * time.Minute
)

// ReconcileArgs reconciles the last WindowSeconds of Stripe's events.
type ReconcileArgs struct {
	WindowSeconds int64 `json:"window_seconds"`
	// Trigger is store.ReconcilePeriodic or store.ReconcileConsole.
	Trigger string `json:"trigger"`
}

// Kind is the stable job kind.
func (ReconcileArgs) Kind() string { return "stripe_reconcile" }

// InsertOpts: one run pending at a time, whoever asked (a second request while
// one is queued or running is skipped: that run covers it); a few attempts.
func (ReconcileArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: river.QueueDefault, MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByState: pendingStates}}
}

// ReconcileWorker runs a Reconciler for the job's window.
type ReconcileWorker struct {
	river.WorkerDefaults[ReconcileArgs]
	Reconciler *Reconciler
}

// Timeout bounds one run.
func (w *ReconcileWorker) Timeout(*river.Job[ReconcileArgs]) time.Duration { return reconcileTimeout }

// Work reconciles; an unread page makes River try again later.
func (w *ReconcileWorker) Work(ctx context.Context, job *river.Job[ReconcileArgs]) error {
	window := time.Duration(job.Args.WindowSeconds) * time.Second
	if window <= 0 {
		window = DefaultReconcileWindow
	}
	trigger := job.Args.Trigger
	if trigger != store.ReconcileConsole {
		trigger = store.ReconcilePeriodic
	}
	res, err := w.Reconciler.Run(ctx, time.Now().Add(-window), trigger)
	w.Reconciler.Logger.InfoContext(ctx, "reconcile finished", "trigger", trigger, "run_id", res.RunID,
		"accounts", len(res.Accounts), "pages", res.Total.Pages, "listed", res.Total.Listed,
		"added", res.Total.Added, "known", res.Total.Known, "err", err)
	return err
}

// reconcileJob is the leader's periodic reconciliation of the last window.
func reconcileJob(interval, window time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) {
			return ReconcileArgs{WindowSeconds: int64(window / time.Second), Trigger: store.ReconcilePeriodic}, nil
		},
		&river.PeriodicJobOpts{ID: "stripe_reconcile"})
}
