// Package web is Switchboard's HTTP surface: the router, middleware, the Stripe
// webhook, the JSON API and the console's handlers.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/httprate"
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
)

// Inserter enqueues River jobs inside a transaction (a *river.Client[pgx.Tx]).
type Inserter interface {
	InsertTx(ctx context.Context, tx pgx.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Config is what the web layer needs from the environment.
type Config struct {
	// WebhookSecrets are the whsec_ secrets a Stripe signature may match (more
	// than one during rotation).
	WebhookSecrets []string
	// Production is true when APP_ENV=production: only live-mode events apply.
	Production bool
	// WebhookTolerance is how old (or how far in the future) a signature's
	// timestamp may be; 300 s when zero.
	WebhookTolerance time.Duration
	// BadSignatureLimit is how many bad signatures a client address may send a
	// minute before it is refused with 429; 60 when zero.
	BadSignatureLimit int
	// Dispatch enqueues the follow-ups of the web layer's own writes (a
	// signup's CRM sync, a held event's alert); nil enqueues none.
	Dispatch *jobs.Dispatcher
	// InboundUser and InboundPassword guard the inbound-email webhook
	// (INBOUND_EMAIL_USER, INBOUND_EMAIL_PASSWORD); unset refuses every call.
	InboundUser     string
	InboundPassword string
	// TicketRateLimit is how many tickets one API token may open a minute; 60 when zero.
	TicketRateLimit int
}

// Server holds what the handlers share.
type Server struct {
	store   *store.Store
	jobs    Inserter
	log     *slog.Logger
	cfg     Config
	metrics *metrics
	badSig  *httprate.RateLimiter
	// ready reports whether migrations are current (for /readyz).
	ready func(ctx context.Context) error
}

// New builds a Server. ready is called by /readyz after the database ping.
func New(st *store.Store, jobs Inserter, log *slog.Logger, cfg Config, ready func(ctx context.Context) error) *Server {
	if cfg.WebhookTolerance == 0 {
		cfg.WebhookTolerance = 300 * time.Second
	}
	if cfg.BadSignatureLimit == 0 {
		cfg.BadSignatureLimit = 60
	}
	if cfg.TicketRateLimit == 0 {
		cfg.TicketRateLimit = 60
	}
	return &Server{
		store: st, jobs: jobs, log: log, cfg: cfg, ready: ready,
		metrics: newMetrics(),
		badSig:  httprate.NewRateLimiter(cfg.BadSignatureLimit, time.Minute),
	}
}

// Registry exposes the server's Prometheus registry (workers add to it).
func (s *Server) Registry() *prometheus.Registry { return s.metrics.reg }

// Handler returns the whole HTTP surface.
func (s *Server) Handler() http.Handler {
	return s.middleware(s.routes())
}
