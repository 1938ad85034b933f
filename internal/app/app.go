// Package app is Switchboard's composition root: the one place that builds the
// store, River (its workers and periodic jobs), the follow-up dispatcher, the
// in-process event worker, the metrics, River's UI and the web server, and
// wires them to each other. `switchboard serve`, the tests (internal/apptest)
// and the page benchmark (cmd/sbpages) all start Switchboard through New; the
// one-shot commands (replay, demo, reconcile) need only jobs.New.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/web"
)

// Config is what an app is built from. New fills in what it builds itself:
// Deps.Store, Deps.Logger, Deps.Metrics and Deps.FollowUps; Web.Events,
// Web.Dispatch, Web.Metrics and Web.RiverUI.
type Config struct {
	Logger *slog.Logger
	// Deps are the workers' integrations (CRM, mail, alert channels, Stripe).
	Deps jobs.Deps
	// Jobs tunes River; Work false builds an app that enqueues but never works.
	Jobs jobs.Options
	// Web is the web layer's configuration.
	Web web.Config
	// Ready is /readyz's check beyond the database (migrations current); nil: none.
	Ready func(ctx context.Context) error
	// WebhookPool is the webhook's own pool (WEBHOOK_DB_CONNS): signed
	// deliveries are stored through it, so appliers holding every connection
	// of the main pool never delay an acknowledgement. Nil shares the main pool.
	WebhookPool *pgxpool.Pool
}

// App is one Switchboard instance: web server and workers over one pool.
type App struct {
	Pool     *pgxpool.Pool
	Store    *store.Store
	River    *river.Client[pgx.Tx]
	Dispatch *jobs.Dispatcher
	// Events applies stored events in-process (the console's replay).
	Events  *jobs.StripeEventWorker
	Metrics *web.Metrics
	Web     *web.Server

	log  *slog.Logger
	work bool
	ui   *web.RiverUI
}

// New builds an app over pool. Start starts its workers; Close releases it.
func New(pool *pgxpool.Pool, cfg Config) (*App, error) {
	st := store.New(pool)
	metrics := web.NewMetrics()
	d := cfg.Deps
	d.Store, d.Logger, d.Metrics = st, cfg.Logger, metrics
	client, dispatch, err := jobs.New(pool, d, cfg.Jobs)
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	d.FollowUps = dispatch
	events := jobs.NewEventWorker(d)
	ui, err := web.NewRiverUI(client, cfg.Logger)
	if err != nil {
		return nil, fmt.Errorf("river ui: %w", err)
	}
	w := cfg.Web
	w.Events, w.Dispatch, w.Metrics, w.RiverUI = events, dispatch, metrics, ui
	if cfg.WebhookPool != nil {
		w.Ingest = store.New(cfg.WebhookPool)
	}
	w.StripeWriteRefusal = jobs.StripeWriteRefusal(d)
	if d.Stripe != nil {
		w.Checkouts = &jobs.CheckoutLookup{Stripe: d.Stripe}
	}
	return &App{
		Pool: pool, Store: st, River: client, Dispatch: dispatch, Events: events, Metrics: metrics,
		Web: web.New(st, client, cfg.Logger, w, cfg.Ready), log: cfg.Logger, work: cfg.Jobs.Work, ui: ui,
	}, nil
}

// Start starts River's UI and, unless the app only enqueues, the workers.
// Give it a context that SIGTERM does not cancel: cancelling it would cancel
// running jobs at once; Stop stops them softly.
func (a *App) Start(ctx context.Context) error {
	if err := a.ui.Start(ctx); err != nil {
		return fmt.Errorf("starting river ui: %w", err)
	}
	if !a.work {
		return nil
	}
	if err := a.River.Start(ctx); err != nil {
		return fmt.Errorf("starting workers: %w", err)
	}
	return nil
}

// Stop stops fetching jobs and waits for the running ones until ctx ends;
// those still running then are cancelled, for River to retry (their
// transactions roll back; an email cancelled mid-send is marked unknown).
func (a *App) Stop(ctx context.Context) {
	if !a.work {
		return
	}
	if err := a.River.Stop(ctx); err != nil {
		a.log.Warn("jobs still running at the end of the shutdown window; cancelling them for River to retry", "err", err)
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cancelWait)
		defer cancel()
		_ = a.River.StopAndCancel(cctx)
	}
}

// Close releases the web server's background work (session cleanup, River's UI).
func (a *App) Close() { a.Web.Close() }

// cancelWait is how long cancelled jobs get to return after Stop's window.
const cancelWait = 5 * time.Second
