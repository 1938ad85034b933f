// Package web is Switchboard's HTTP surface: the router, middleware, the Stripe
// webhook, the JSON API and the console's handlers.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/v2"
	"github.com/go-chi/httprate"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
)

// Queue is the River client as the web layer uses it: enqueue inside a
// transaction, and list, retry and discard jobs on the console's jobs page.
// A *river.Client[pgx.Tx] is one.
type Queue interface {
	jobs.Inserter
	JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
	JobGet(ctx context.Context, id int64) (*rivertype.JobRow, error)
	JobRetry(ctx context.Context, id int64) (*rivertype.JobRow, error)
	JobCancel(ctx context.Context, id int64) (*rivertype.JobRow, error)
}

// Replayer applies stored events again, for real or as a dry run that is
// rolled back. A *jobs.StripeEventWorker is one.
type Replayer interface {
	Apply(ctx context.Context, id string, replay bool) (string, error)
	DryRun(ctx context.Context, id string) (jobs.DryRun, error)
}

// Setting is one configuration value for the settings page; Secret values are
// shown masked.
type Setting struct {
	Name   string
	Value  string
	Secret bool
}

// Config is what the web layer needs beyond the store and the queue.
type Config struct {
	// WebhookSecrets are the whsec_ secrets a Stripe signature may match (more
	// than one during rotation).
	WebhookSecrets []string
	// Production is true when APP_ENV=production: only live-mode events apply.
	Production bool
	// WebhookTolerance is how old (or how far in the future) a signature's
	// timestamp may be; 300 s when zero.
	WebhookTolerance time.Duration
	// WebhookDBTimeout bounds the webhook's database work (pool wait
	// included) and /readyz's write check; 5 s when zero.
	WebhookDBTimeout time.Duration
	// BadSignatureLimit is how many bad signatures a client address may send a
	// minute before its unsigned or badly signed deliveries are refused with
	// 429 (a correctly signed one never is); 60 when zero.
	BadSignatureLimit int
	// TrustedProxies are the load balancers (TRUSTED_PROXIES) whose
	// X-Forwarded-For names the client; empty: the peer is the client.
	TrustedProxies []netip.Prefix

	// BaseURL is the console's public URL; https makes the session cookie Secure.
	BaseURL string
	// SessionIdle and SessionLifetime end a session after inactivity and
	// absolutely; 30 minutes and 12 hours when zero.
	SessionIdle     time.Duration
	SessionLifetime time.Duration
	// LoginFailures is how many failed sign-ins an account may have from one
	// address in 15 minutes (an address gets four times as many over all
	// accounts); 5 when zero. Past it from everywhere together, the account
	// is slowed (LoginSlowdown), not locked.
	LoginFailures int
	// MFARequired are the console roles that must have a second factor:
	// after the password such a user sets one up before anything else.
	MFARequired []string
	// StepUpFor is how long a proved second factor (or password) opens
	// step-up actions; 5 minutes when zero.
	StepUpFor time.Duration
	// LoginSlowdown is the wait before each sign-in to an account under
	// attack (LoginFailures failures in 15 minutes from any addresses); 2 s
	// when zero.
	LoginSlowdown time.Duration
	// PasswordHashers is how many password hashes (argon2id, 64 MiB each)
	// may run at once; sign-ins past it wait briefly, then get 503. Zero
	// sizes it to the memory this process may use (hashSlots).
	PasswordHashers int
	// Events replays events from the console: the event worker with the
	// app's follow-ups (internal/app builds it).
	Events Replayer
	// Settings are shown on the settings page.
	Settings []Setting
	// Dispatch enqueues the follow-ups of the web layer's own writes (a
	// signup's CRM sync, a held event's alert); nil enqueues none.
	Dispatch *jobs.Dispatcher
	// InboundUser and InboundPassword guard the inbound-email webhook
	// (INBOUND_EMAIL_USER, INBOUND_EMAIL_PASSWORD); unset refuses every call.
	InboundUser     string
	InboundPassword string
	// TicketRateLimit is how many tickets one API token may open a minute; 60 when zero.
	TicketRateLimit int
	// MailOutbox is true when no SMTP server is configured: the outbox page
	// says mail is kept there.
	MailOutbox bool
	// Doctor runs the launch-readiness checks the settings page lists (the
	// same as switchboard doctor); nil shows none. It may take seconds: the
	// page loads its result separately.
	Doctor func(ctx context.Context) []store.Check
	// Metrics is the Prometheus registry /metrics serves; give the same one
	// to jobs.Deps so the workers' measures show. Nil makes one of its own.
	Metrics *Metrics
	// RiverUI is River's own UI, served to admins at /admin/river (see
	// NewRiverUI); nil answers 404 there. Close stops it.
	RiverUI *RiverUI
	// Reconcile is true when STRIPE_SECRET_KEY is set: admins may fetch
	// missed events from Stripe on the events page.
	Reconcile bool
	// StripeWriteRefusal is why refunds and dispute evidence may not be sent
	// to Stripe here (no Stripe key, or its mode does not match APP_ENV); ""
	// allows them. internal/app sets it (jobs.StripeWriteRefusal).
	StripeWriteRefusal string
	// SupportSubmitsEvidence lets support staff save and submit dispute
	// evidence (SUPPORT_SUBMITS_EVIDENCE); otherwise admins only.
	SupportSubmitsEvidence bool
	// Checkouts asks Stripe about a Checkout session the ledger has not
	// heard of yet (nil without STRIPE_SECRET_KEY).
	Checkouts *jobs.CheckoutLookup
	// Ingest is the store that signed Stripe deliveries are written through,
	// and that /readyz checks: over a pool of its own (WEBHOOK_DB_CONNS), so
	// appliers blocked on a lock or a slow query, which hold the main pool's
	// connections, never make an acknowledgement wait. Nil: the main store.
	Ingest *store.Store
}

// Server holds what the handlers share.
type Server struct {
	charts chartCache
	store  *store.Store
	// ack is the store of the webhook's signed deliveries and /readyz (Config.Ingest).
	ack     *store.Store
	jobs    Queue
	events  Replayer
	ingest  *jobs.Ingester
	lookups lookupThrottle
	log     *slog.Logger
	cfg     Config
	metrics *Metrics
	// hsts is true when BASE_URL is https.
	hsts bool
	// tickets limits ticket creation per API token.
	tickets *httprate.RateLimiter
	// ready reports whether migrations are current (for /readyz).
	ready func(ctx context.Context) error

	sessions     *scs.SessionManager
	sessionStore *pgxstore.PostgresStore
	csrf         *http.CrossOriginProtection
	assets       assets
	// access maps each route pattern to its rule (for the navigation).
	access map[string]string
	// hashing bounds the password hashes running at once (withHashSlot).
	hashing chan struct{}
	// checks lets one launch-readiness run at a time (each calls Stripe,
	// HubSpot and the mail server).
	checks sync.Mutex
}

// New builds a Server. ready is called by /readyz after the database ping.
// Close it when done, to stop the session store's cleanup.
func New(st *store.Store, queue Queue, log *slog.Logger, cfg Config, ready func(ctx context.Context) error) *Server {
	if cfg.WebhookTolerance == 0 {
		cfg.WebhookTolerance = 300 * time.Second
	}
	if cfg.WebhookDBTimeout == 0 {
		cfg.WebhookDBTimeout = 5 * time.Second
	}
	if cfg.BadSignatureLimit == 0 {
		cfg.BadSignatureLimit = 60
	}
	if cfg.LoginFailures == 0 {
		cfg.LoginFailures = 5
	}
	if cfg.LoginSlowdown == 0 {
		cfg.LoginSlowdown = 2 * time.Second
	}
	if cfg.PasswordHashers <= 0 {
		cfg.PasswordHashers = hashSlots()
	}
	if cfg.TicketRateLimit == 0 {
		cfg.TicketRateLimit = 60
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics()
	}
	if cfg.Ingest == nil {
		cfg.Ingest = st
	}
	s := &Server{
		store: st, ack: cfg.Ingest, jobs: queue, events: cfg.Events, log: log, cfg: cfg, ready: ready,
		ingest:  &jobs.Ingester{Store: cfg.Ingest, Dispatch: cfg.Dispatch, Production: cfg.Production},
		metrics: cfg.Metrics,
		tickets: httprate.NewRateLimiter(cfg.TicketRateLimit, time.Minute),
		hsts:    isHTTPS(cfg.BaseURL),
		csrf:    http.NewCrossOriginProtection(),
		assets:  newAssets(),
		hashing: make(chan struct{}, cfg.PasswordHashers),
	}
	if err := s.metrics.reg.Register(&figuresCollector{store: st, ready: ready, log: log}); err != nil {
		log.Warn("metrics: the database figures are already registered", "err", err)
	}
	s.sessions, s.sessionStore = newSessions(st, cfg, log)
	s.csrf.SetDenyHandler(http.HandlerFunc(s.csrfDenied))
	s.access = map[string]string{}
	for _, r := range s.routeTable() {
		s.access[r.Pattern] = r.Access
	}
	return s
}

// Close waits for the webhook's wake-ups of River in flight and stops the
// session store's background cleanup and River's UI.
func (s *Server) Close() {
	s.ingest.Wait()
	s.sessionStore.StopCleanup()
	if s.cfg.RiverUI != nil {
		s.cfg.RiverUI.Stop()
	}
}

// Handler returns the whole HTTP surface, compressed where it pays.
func (s *Server) Handler() http.Handler {
	return s.middleware(compress(s.routes()))
}

// isHTTPS reports whether a base URL is https.
func isHTTPS(baseURL string) bool { return strings.HasPrefix(strings.ToLower(baseURL), "https://") }
