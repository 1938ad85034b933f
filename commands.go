package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/switchboardhq/switchboard/internal/app"
	"github.com/switchboardhq/switchboard/internal/doctor"
	"github.com/switchboardhq/switchboard/internal/logx"
	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/jobs/stripeapi"
	"github.com/switchboardhq/switchboard/migrations"
	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/web"
)

func openPool(ctx context.Context, cfg config) (*pgxpool.Pool, error) {
	max := int32(cfg.DBMaxConns)
	if strings.Contains(cfg.DatabaseURL, "pool_max_conns") {
		max = 0
	}
	return openPoolOf(ctx, cfg, max)
}

// openWebhookPool opens the webhook's own pool of WEBHOOK_DB_CONNS
// connections (whatever DATABASE_URL's pool_max_conns says: that sizes the
// main pool).
func openWebhookPool(ctx context.Context, cfg config) (*pgxpool.Pool, error) {
	return openPoolOf(ctx, cfg, int32(cfg.WebhookDBConns))
}

// openPoolOf opens a pool of max connections (0: as DATABASE_URL says).
func openPoolOf(ctx context.Context, cfg config, max int32) (*pgxpool.Pool, error) {
	if err := cfg.requireDB(); err != nil {
		return nil, err
	}
	pc, err := pgxpool.ParseConfig(cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	if max > 0 {
		pc.MaxConns = max
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("connecting to the database: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connecting to the database at %s:%d: %w", pc.ConnConfig.Host, pc.ConnConfig.Port, err)
	}
	return pool, nil
}

func cmdMigrate(ctx context.Context, cfg config, stdout io.Writer) error {
	pool, err := openPool(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := migrations.Up(ctx, pool); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "migrations are current")
	return nil
}

func cmdServe(ctx context.Context, cfg config, stderr io.Writer) error {
	log := logx.New(stderr, cfg.production(), logLevel())
	if len(cfg.WebhookSecrets) == 0 {
		log.Warn("STRIPE_WEBHOOK_SECRET is not set: every webhook will be refused with 400")
	}
	for _, s := range cfg.WebhookSecrets {
		if !strings.HasPrefix(s, "whsec_") {
			return fmt.Errorf("STRIPE_WEBHOOK_SECRET has a value that does not start with whsec_")
		}
	}
	pool, err := openPool(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := migrations.Current(ctx, pool); err != nil {
		return err
	}
	webhookPool, err := openWebhookPool(ctx, cfg)
	if err != nil {
		return err
	}
	defer webhookPool.Close()
	deps, err := jobDeps(cfg, store.New(pool), log)
	if err != nil {
		return err
	}
	if cfg.StripeSecretKey != "" {
		deps.Stripe = stripeapi.New(cfg.StripeSecretKey, cfg.StripeAPIBase, stripeapi.WithRetries(0)) // the reconciler retries
		deps.StripeRefusal = stripeapi.ModeRefusal(cfg.StripeSecretKey, cfg.production())
	}
	a, err := app.New(pool, app.Config{
		Logger: log, Deps: deps,
		Jobs: jobs.Options{Work: true, EventWorkers: cfg.EventWorkers, RescueAfter: cfg.JobRescueAfter,
			ReconcileInterval: cfg.ReconcileInterval, ReconcileWindow: cfg.ReconcileWindow, ApplyLagAlert: cfg.ApplyLagAlert},
		Web: web.Config{
			WebhookSecrets: cfg.WebhookSecrets, Production: cfg.production(), BaseURL: cfg.BaseURL, WebhookDBTimeout: cfg.WebhookDBTimeout,
			Settings: cfg.settings(), InboundUser: cfg.InboundEmailUser, InboundPassword: cfg.InboundEmailPassword,
			MailOutbox: cfg.SMTPURL == "", Reconcile: cfg.StripeSecretKey != "", TrustedProxies: cfg.TrustedProxies,
			MFARequired:            cfg.MFARequired,
			SupportSubmitsEvidence: cfg.SupportSubmitsEvidence,
			Doctor: func(ctx context.Context) []store.Check {
				return doctor.New(cfg.doctorConfig(), doctor.Deps{Pool: pool}).Run(ctx)
			},
		},
		// On the webhook's pool, as /readyz's write check: stuck appliers
		// holding the main pool do not make the instance unready.
		Ready:       func(ctx context.Context) error { return migrations.Current(ctx, webhookPool) },
		WebhookPool: webhookPool,
	})
	if err != nil {
		return err
	}
	defer a.Close()
	httpSrv := &http.Server{
		Addr:              cfg.ListenAddr,
		Handler:           a.Web.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.ListenAddr, err)
	}
	if addr := os.Getenv("PPROF_ADDR"); addr != "" {
		// Profiling for operators, on its own (loopback) listener only.
		go func() {
			log.Info("pprof listening", "addr", addr)
			if err := http.ListenAndServe(addr, http.DefaultServeMux); err != nil {
				log.Warn("pprof", "err", err)
			}
		}()
	}
	// The workers get a context that SIGTERM does not cancel: cancelling it
	// would cancel running jobs at once. The shutdown below stops them softly.
	if err := a.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	log.Info("switchboard serving", "addr", ln.Addr().String(), "env", cfg.AppEnv, "base_url", cfg.BaseURL)
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	shutdown(log, httpSrv, a, cfg.ShutdownTimeout)
	return nil
}

// shutdown stops serving and working softly: in-flight requests and running
// jobs get the same window, side by side; jobs still running at its end are
// cancelled, and River retries them (their transactions roll back; an email
// cancelled mid-send is marked unknown rather than sent twice).
func shutdown(log *slog.Logger, httpSrv *http.Server, a *app.App, window time.Duration) {
	log.Info("shutting down: finishing in-flight requests and jobs", "window", window.String())
	start := time.Now()
	sctx, cancel := context.WithTimeout(context.Background(), window)
	defer cancel()
	httpDone := make(chan error, 1)
	go func() { httpDone <- httpSrv.Shutdown(sctx) }()
	a.Stop(sctx)
	if err := <-httpDone; err != nil {
		log.Warn("requests still running at the end of the shutdown window", "err", err)
	}
	log.Info("stopped", "took", time.Since(start).Round(time.Millisecond).String())
}

func cmdUserAdd(ctx context.Context, cfg config, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	email := fs.String("email", "", "")
	role := fs.String("role", "", "")
	account := fs.String("account", "", "")
	if err := fs.Parse(args); err != nil {
		return usageError{"user add: " + err.Error()}
	}
	switch {
	case !store.ValidEmail(*email):
		return usageError{"user add needs --email with a valid address"}
	case !store.ValidUserRole(*role):
		return usageError{"user add needs --role admin, support or seller"}
	case *role == store.UserSeller && *account == "":
		return usageError{"a seller user needs --account ID or acct_… (the seller's account)"}
	}
	pw, err := readPassword(stdin, *email)
	if err != nil {
		return err
	}
	pool, err := openPool(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	st := store.New(pool)
	var acct *int64
	if *account != "" {
		a, err := accountByFlag(ctx, st, *account)
		if err != nil {
			return fmt.Errorf("--account %s: %w", *account, err)
		}
		acct = &a.ID
	}
	hash, err := store.HashPassword(pw)
	if err != nil {
		return err
	}
	u, err := st.CreateUser(ctx, *email, hash, *role, acct)
	if errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("a user with email %s already exists", *email)
	} else if err != nil {
		return err
	}
	if err := st.Audit(ctx, "cli", "user.add", fmt.Sprintf("user:%d", u.ID), map[string]any{"email": u.Email, "role": u.Role}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "added %s user %s (id %d)\n", u.Role, u.Email, u.ID)
	return nil
}

func cmdReplay(ctx context.Context, cfg config, ids []string, stdout, stderr io.Writer) error {
	if len(ids) == 0 {
		return usageError{"replay needs one or more event IDs (evt_…)"}
	}
	pool, err := openPool(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	log := logx.New(stderr, cfg.production(), logLevel())
	st := store.New(pool)
	deps, err := jobDeps(cfg, st, log)
	if err != nil {
		return err
	}
	w, err := jobs.NewReplayWorker(pool, deps)
	if err != nil {
		return fmt.Errorf("river client: %w", err)
	}
	failed := 0
	for _, id := range ids {
		status, err := w.Apply(ctx, id, true)
		if err != nil {
			failed++
			if errors.Is(err, store.ErrNotFound) {
				fmt.Fprintf(stdout, "%s: no such event\n", id)
				continue
			}
			fmt.Fprintf(stdout, "%s: failed: %v\n", id, err)
			continue
		}
		_ = st.Audit(ctx, "cli", "event.replay", "event:"+id, map[string]any{"status": status})
		fmt.Fprintf(stdout, "%s: %s\n", id, status)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d events did not apply", failed, len(ids))
	}
	return nil
}

// accountByFlag finds the account --account names: our ID, or the seller's
// Stripe Connect account (acct_…) as the founder sees it in Stripe.
func accountByFlag(ctx context.Context, st *store.Store, v string) (store.Account, error) {
	if strings.HasPrefix(v, "acct_") {
		return st.AccountByStripeAccount(ctx, v)
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return store.Account{}, usageError{"--account wants our account ID (a number) or the seller's acct_… ID"}
	}
	return st.AccountByID(ctx, id)
}
