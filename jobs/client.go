package jobs

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
	"github.com/stripe/stripe-go/v76/client"

	"github.com/switchboardhq/switchboard/jobs/crm"
	"github.com/switchboardhq/switchboard/jobs/mail"
	"github.com/switchboardhq/switchboard/store"
)

// Deps is what the workers need.
type Deps struct {
	Store  *store.Store
	Logger *slog.Logger
	// FollowUps runs after each applied event; nil means the Dispatcher that
	// New builds from the fields below.
	FollowUps FollowUps
	// CRM is the CRM adapter; nil when CRM_PROVIDER=none.
	CRM crm.Client
	// Mail sends customer email and alert email; nil keeps messages in the outbox.
	Mail mail.Sender
	// Alerts are the alert channels besides the console.
	Alerts AlertChannels
	// BaseURL is the console's public URL, for links in alerts.
	BaseURL string
	// NextStepURL is where a customer whose payment failed updates their card.
	NextStepURL string
	// HTTP is the client for alert webhooks; a 10-second-timeout client when nil.
	HTTP *http.Client
	// Metrics receives job durations and outcomes, event and CRM latencies;
	// nil measures nothing.
	Metrics Metrics
	// Stripe is the Stripe API client (stripeapi.New, without stripe-go's
	// retries); nil when STRIPE_SECRET_KEY is not set, which leaves
	// reconciliation out.
	Stripe *client.API
	// StripeRefusal is why calls that move money (refunds) are refused with
	// this key and APP_ENV (stripeapi.ModeRefusal); "" allows them.
	StripeRefusal string
	// Production is true when APP_ENV=production (reconciliation ingests with
	// the webhook's rules: only live-mode events apply).
	Production bool
	// App is where Switchboard's own events go (APP_WEBHOOK_URL); none when
	// its URL is empty.
	App AppWebhook
}

// Job timing is set here, together, because the pieces depend on each other.
//
//   - Every worker's Timeout is at most maxJobTimeout; the integration clients'
//     own timeouts fit inside (HTTP 10 s a call, SMTP 15 s).
//   - River rescues a job left running by a crashed instance once it has run
//     longer than RescueAfter (JOB_RESCUE_AFTER, DefaultRescueAfter) and longer
//     than its own Timeout, so a live attempt is never rescued. The leader looks
//     every 30 s: a job interrupted by a crash is retried within about
//     RescueAfter + 30 s of its start, 1.5 minutes by default.
//   - Unique jobs that count running as pending (CRM sync, alert delivery)
//     block a new job for the same account or alert while a crashed attempt
//     waits for its rescue, never longer: the change is still pushed, since the
//     rescued attempt reloads the account as it is then.
//   - The one exception is reconciliation (reconcileTimeout, 10 minutes):
//     reconcile_job.go says why the rescue rule still holds for it.
//   - On SIGTERM, serve stops fetching and gives running jobs the shutdown
//     window (SHUTDOWN_TIMEOUT, 25 s) before cancelling what is left; an email
//     cancelled mid-send is marked unknown, never sent twice.
const (
	eventTimeout  = 30 * time.Second
	crmTimeout    = 45 * time.Second // a search, a create and an update, 10 s each at most
	emailTimeout  = 30 * time.Second
	alertTimeout  = 20 * time.Second
	watchTimeout  = 20 * time.Second
	maxJobTimeout = crmTimeout

	// DefaultRescueAfter is how long a job may run before River treats it as
	// stranded by a crash.
	DefaultRescueAfter = time.Minute
)

// Options tune the River client.
type Options struct {
	// Work starts workers; false gives an insert-only client (for commands).
	Work bool
	// EventWorkers is how many events are applied at once per instance.
	EventWorkers int
	// CRMWorkers is how many CRM syncs run at once per instance (8 when zero).
	CRMWorkers int
	// NoPeriodic leaves out the periodic jobs (the webhook failure watch);
	// tests run them by hand.
	NoPeriodic bool
	// RescueAfter is how long a job may run before it counts as stranded by a
	// crash and is retried (DefaultRescueAfter when zero; at least the longest
	// job timeout).
	RescueAfter time.Duration
	// ReconcileInterval is how often the leader reconciles the last
	// ReconcileWindow of Stripe's events when Deps.Stripe is set
	// (RECONCILE_INTERVAL, RECONCILE_WINDOW); a negative interval turns it off,
	// zero means the defaults.
	ReconcileInterval time.Duration
	ReconcileWindow   time.Duration
	// ApplyLagAlert is the apply lag that raises an alert once it has lasted
	// ApplyLagWindow (APPLY_LAG_ALERT; DefaultApplyLagAlert when zero).
	ApplyLagAlert time.Duration
}

// New builds the River client and returns it with its Dispatcher, which the
// web layer uses to enqueue follow-ups of its own writes (signups, held events).
func New(pool *pgxpool.Pool, d Deps, o Options) (*river.Client[pgx.Tx], *Dispatcher, error) {
	// The workers need the dispatcher, which needs a client to insert with:
	// an insert-only client (no workers, no queues) breaks the circle, so the
	// dispatcher is complete before any worker sees it.
	inserter, err := river.NewClient(riverpgxv5.New(pool), &river.Config{Logger: d.Logger.With("component", "river")})
	if err != nil {
		return nil, nil, err
	}
	disp := NewDispatcher(d, inserter)
	if d.FollowUps == nil {
		d.FollowUps = disp
	}
	if d.HTTP == nil {
		d.HTTP = &http.Client{Timeout: 10 * time.Second}
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &StripeEventWorker{Store: d.Store, Logger: d.Logger, FollowUps: d.FollowUps, Metrics: d.Metrics})
	if d.CRM != nil {
		river.AddWorker(workers, &CRMSyncWorker{Store: d.Store, Logger: d.Logger, CRM: d.CRM, Dispatch: disp, Metrics: d.Metrics})
	}
	river.AddWorker(workers, &EmailWorker{Store: d.Store, Logger: d.Logger, Mail: d.Mail, Dispatch: disp, NextStepURL: d.NextStepURL})
	river.AddWorker(workers, &AlertDeliverWorker{Store: d.Store, Logger: d.Logger, Channels: d.Alerts, Mail: d.Mail,
		HTTP: d.HTTP, BaseURL: d.BaseURL})
	river.AddWorker(workers, &CRMBackfillWorker{Store: d.Store, Logger: d.Logger, Dispatch: disp})
	river.AddWorker(workers, &AppWebhookWorker{Store: d.Store, Logger: d.Logger, HTTP: d.HTTP, App: d.App, Dispatch: disp})
	river.AddWorker(workers, &RefundWorker{Store: d.Store, Logger: d.Logger, Stripe: d.Stripe, Dispatch: disp, Refusal: StripeWriteRefusal(d)})
	river.AddWorker(workers, &DisputeEvidenceWorker{Store: d.Store, Logger: d.Logger, Stripe: d.Stripe, Dispatch: disp, Refusal: StripeWriteRefusal(d)})
	river.AddWorker(workers, &WebhookWatchWorker{Store: d.Store, Logger: d.Logger, Dispatch: disp,
		ApplyLagAlert: cmp.Or(o.ApplyLagAlert, DefaultApplyLagAlert)})
	if d.Stripe != nil {
		ingest := &Ingester{Store: d.Store, Dispatch: disp, Production: d.Production}
		river.AddWorker(workers, &ReconcileWorker{Reconciler: &Reconciler{Stripe: d.Stripe, Ingest: ingest, Store: d.Store, Logger: d.Logger}})
	}
	cfg := &river.Config{
		Workers:      workers,
		Logger:       d.Logger.With("component", "river"),
		ErrorHandler: &errorHandler{log: d.Logger},
		// Completed jobs are kept a day for the console; failures longer.
		CompletedJobRetentionPeriod: 24 * time.Hour,
		FetchCooldown:               20 * time.Millisecond,
		RescueStuckJobsAfter:        max(cmp.Or(o.RescueAfter, DefaultRescueAfter), maxJobTimeout),
	}
	if d.Metrics != nil {
		cfg.Middleware = []rivertype.Middleware{&metricsMiddleware{m: d.Metrics}}
	}
	if o.Work {
		n := o.EventWorkers
		if n <= 0 {
			n = 8
		}
		cfg.Queues = map[string]river.QueueConfig{
			QueueEvents:        {MaxWorkers: n},
			QueueCRM:           {MaxWorkers: cmp.Or(o.CRMWorkers, 8)},
			QueueMail:          {MaxWorkers: 8},
			QueueAlerts:        {MaxWorkers: 4},
			river.QueueDefault: {MaxWorkers: 16},
		}
		if !o.NoPeriodic {
			cfg.PeriodicJobs = []*river.PeriodicJob{webhookWatchJob()}
			if d.Stripe != nil && o.ReconcileInterval >= 0 {
				cfg.PeriodicJobs = append(cfg.PeriodicJobs, reconcileJob(cmp.Or(o.ReconcileInterval, DefaultReconcileInterval),
					cmp.Or(o.ReconcileWindow, DefaultReconcileWindow)))
			}
		}
	}
	client, err := river.NewClient(riverpgxv5.New(pool), cfg)
	if err != nil {
		return nil, nil, err
	}
	return client, disp, nil
}

// NewReplayWorker returns the event worker for applying events in-process (the
// replay command), with the Dispatcher enqueueing follow-ups through an
// insert-only River client for the serving instances to work.
func NewReplayWorker(pool *pgxpool.Pool, d Deps) (*StripeEventWorker, error) {
	d.FollowUps = nil
	_, disp, err := New(pool, d, Options{})
	if err != nil {
		return nil, err
	}
	d.FollowUps = disp
	return NewEventWorker(d), nil
}

// NewEventWorker returns the event worker over d's follow-ups: River's worker
// in internal/app, and the in-process applier of the demo data.
func NewEventWorker(d Deps) *StripeEventWorker {
	return &StripeEventWorker{Store: d.Store, Logger: d.Logger, FollowUps: d.FollowUps}
}

type errorHandler struct{ log *slog.Logger }

func (h *errorHandler) HandleError(ctx context.Context, job *rivertype.JobRow, err error) *river.ErrorHandlerResult {
	lvl := slog.LevelWarn
	if job.Attempt >= job.MaxAttempts {
		lvl = slog.LevelError
	}
	h.log.Log(ctx, lvl, "job failed", "kind", job.Kind, "job_id", job.ID, "attempt", job.Attempt,
		"max_attempts", job.MaxAttempts, "err", err)
	return nil
}

func (h *errorHandler) HandlePanic(ctx context.Context, job *rivertype.JobRow, panicVal any, trace string) *river.ErrorHandlerResult {
	h.log.ErrorContext(ctx, "job panicked", "kind", job.Kind, "job_id", job.ID, "attempt", job.Attempt,
		"panic", panicVal, "trace", trace)
	return nil
}
