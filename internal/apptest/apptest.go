// Package apptest runs a real Switchboard for a test: its own database, the real
// router and store, River workers, and helpers that send signed Stripe events
// over HTTP the way Stripe does.
package apptest

import (
	"cmp"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/switchboardhq/switchboard/internal/app"
	"github.com/switchboardhq/switchboard/internal/fixture"
	"github.com/switchboardhq/switchboard/internal/pgtest"
	"github.com/switchboardhq/switchboard/internal/stripefake"
	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/jobs/crm"
	"github.com/switchboardhq/switchboard/jobs/mail"
	"github.com/switchboardhq/switchboard/jobs/stripeapi"
	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/web"
)

// Secret is the webhook secret test servers accept.
const Secret = "whsec_test_apptest_secret_0123456789"

// App is one running Switchboard.
type App struct {
	T      testing.TB
	URL    string // the test database
	Pool   *pgxpool.Pool
	Store  *store.Store
	River  *river.Client[pgx.Tx]
	Server *httptest.Server
	Web    *web.Server
	Log    *slog.Logger
	// Dispatch is the app's follow-up dispatcher (to run workers by hand).
	Dispatch *jobs.Dispatcher
	token    string
}

// Options change how the app is built.
type Options struct {
	// NoWorkers leaves jobs queued (to count them) instead of working them.
	NoWorkers  bool
	Production bool
	Secrets    []string
	// LoginFailures is the console's failed sign-in limit per account (5 when zero).
	LoginFailures int
	// BaseURL is the console's public URL (https makes cookies Secure).
	BaseURL string
	// TrustedProxies are the load balancers whose X-Forwarded-For is honoured.
	TrustedProxies []netip.Prefix
	// BadSignatureLimit is bad webhook signatures a minute per address (1000 when zero).
	BadSignatureLimit int
	// MFARequired are the console roles that must have a second factor.
	MFARequired []string
	// StepUpFor is how long a proved factor opens step-up actions (5 minutes when zero).
	StepUpFor time.Duration
	// LoginSlowdown is the wait before each sign-in to an account under attack (2 s when zero).
	LoginSlowdown time.Duration

	// HubSpot makes the CRM HubSpot, at this fake (CRM_PROVIDER=hubspot).
	HubSpot *HubSpot
	// AppWebhookURL and AppWebhookSecret send Switchboard's own events to the
	// marketplace app (APP_WEBHOOK_URL, APP_WEBHOOK_SECRET).
	AppWebhookURL    string
	AppWebhookSecret string
	// CRMWebhookURL and CRMWebhookSecret make the CRM a signed webhook.
	CRMWebhookURL    string
	CRMWebhookSecret string
	// SMTPURL sends mail there (SMTP_URL); empty keeps mail in the outbox.
	SMTPURL string
	// SlackURL and AlertEmail are the alert channels.
	SlackURL   string
	AlertEmail string
	// InboundUser and InboundPassword guard the inbound-email webhook.
	InboundUser     string
	InboundPassword string
	// TicketRateLimit is tickets per minute per token (60 when zero).
	TicketRateLimit int
	// CRMWorkers is how many CRM syncs run at once (8 when zero).
	CRMWorkers int
	// EventWorkers is how many events are applied at once (4 when zero).
	EventWorkers int
	// WebhookDBTimeout is the webhook's database budget (5 s when zero).
	WebhookDBTimeout time.Duration
	// Doctor runs the settings page's launch checks (none when nil).
	Doctor func(ctx context.Context) []store.Check
	// Stripe is the Stripe API the app reconciles against (STRIPE_SECRET_KEY
	// and STRIPE_API_BASE set to this fake); nil: none.
	Stripe *stripefake.Stripe
	// SupportSubmitsEvidence lets support staff submit dispute evidence.
	SupportSubmitsEvidence bool
	// PasswordHashers is how many password checks run at once (sized to
	// memory when zero).
	PasswordHashers int
}

// MailFrom is the sender test apps use.
const MailFrom = "Switchboard <hello@switchboard.test>"

// deps builds the workers' integrations from the options.
func (o Options) deps(t testing.TB, log *slog.Logger) jobs.Deps {
	d := jobs.Deps{Logger: log, BaseURL: "http://switchboard.test", NextStepURL: "https://market.test/billing",
		Alerts: jobs.AlertChannels{SlackURL: o.SlackURL, Email: o.AlertEmail}, Production: o.Production}
	switch {
	case o.HubSpot != nil:
		d.CRM = crm.NewHubSpot(o.HubSpot.Token, o.HubSpot.URL)
	case o.CRMWebhookURL != "":
		d.CRM = crm.NewWebhook(o.CRMWebhookURL, o.CRMWebhookSecret)
	}
	if o.AppWebhookURL != "" {
		d.App = jobs.AppWebhook{URL: o.AppWebhookURL, Secret: o.AppWebhookSecret}
	}
	if o.Stripe != nil {
		d.Stripe = stripeapi.New(o.Stripe.Key, o.Stripe.URL, stripeapi.WithRetries(0))
		d.StripeRefusal = stripeapi.ModeRefusal(o.Stripe.Key, o.Production)
	}
	if o.SMTPURL != "" {
		m, err := mail.ParseSMTP(o.SMTPURL, MailFrom)
		if err != nil {
			t.Fatalf("SMTP_URL: %v", err)
		}
		d.Mail = m
	}
	return d
}

// New starts an app with workers.
func New(t testing.TB) *App { return NewWith(t, Options{}) }

// NewWith starts an app with options.
func NewWith(t testing.TB, o Options) *App {
	t.Helper()
	url := pgtest.URL(t)
	pool := pgtest.PoolFor(t, url)
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	secrets := o.Secrets
	if secrets == nil {
		secrets = []string{Secret}
	}
	a, err := app.New(pool, app.Config{
		Logger: log, Deps: o.deps(t, log),
		Jobs: jobs.Options{Work: !o.NoWorkers, EventWorkers: cmp.Or(o.EventWorkers, 4), CRMWorkers: o.CRMWorkers, NoPeriodic: true},
		Web: web.Config{
			WebhookSecrets: secrets, Production: o.Production, BadSignatureLimit: cmp.Or(o.BadSignatureLimit, 1000),
			WebhookDBTimeout: o.WebhookDBTimeout, TrustedProxies: o.TrustedProxies, LoginSlowdown: o.LoginSlowdown,
			LoginFailures: o.LoginFailures, BaseURL: o.BaseURL, MFARequired: o.MFARequired, StepUpFor: o.StepUpFor,
			Settings:    []web.Setting{{Name: "STRIPE_WEBHOOK_SECRET", Value: strings.Join(secrets, ","), Secret: true}},
			InboundUser: o.InboundUser, InboundPassword: o.InboundPassword, TicketRateLimit: o.TicketRateLimit,
			MailOutbox: o.SMTPURL == "", Doctor: o.Doctor, Reconcile: o.Stripe != nil,
			SupportSubmitsEvidence: o.SupportSubmitsEvidence, PasswordHashers: o.PasswordHashers,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		a.Stop(sctx)
		cancel()
		a.Close()
	})
	ws := a.Web
	srv := httptest.NewServer(ws.Handler())
	t.Cleanup(srv.Close)
	return &App{T: t, URL: url, Pool: pool, Store: a.Store, River: a.River, Server: srv, Web: ws, Log: log, Dispatch: a.Dispatch}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Token returns an API token for the app (created once).
func (a *App) Token() string {
	a.T.Helper()
	if a.token == "" {
		tok, hash, err := store.NewAPIToken()
		if err != nil {
			a.T.Fatal(err)
		}
		if _, err := a.Store.CreateAPIToken(context.Background(), "apptest", hash, store.Scopes); err != nil {
			a.T.Fatal(err)
		}
		a.token = tok
	}
	return a.token
}

// Stripe object builders, re-exported for tests.
type Event = fixture.Event

var (
	NewEvent        = fixture.NewEvent
	Sign            = fixture.Sign
	NewID           = fixture.NewID
	Customer        = fixture.Customer
	PaymentIntent   = fixture.PaymentIntent
	Charge          = fixture.Charge
	CheckoutSession = fixture.CheckoutSession
	Refund          = fixture.Refund
	Dispute         = fixture.Dispute
	Subscription    = fixture.Subscription
	Invoice         = fixture.Invoice
	ConnectAccount  = fixture.ConnectAccount
	Payout          = fixture.Payout
)

// Post sends a body with a signature header to the webhook and returns the status and body.
func (a *App) Post(body []byte, sig string) (int, string) {
	a.T.Helper()
	req, _ := http.NewRequest(http.MethodPost, a.Server.URL+"/webhooks/stripe", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set("Stripe-Signature", sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.T.Fatalf("posting webhook: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Send signs and posts an event, failing the test unless it is acknowledged.
func (a *App) Send(e *Event) {
	a.T.Helper()
	body := e.JSON()
	if code, resp := a.Post(body, Sign(body, Secret, time.Now())); code != http.StatusOK {
		a.T.Fatalf("webhook %s (%s): got %d %s, want 200", e.ID, e.Type, code, resp)
	}
}

// SendAndWait sends an event and waits until the worker has finished with it.
func (a *App) SendAndWait(e *Event) store.Event {
	a.T.Helper()
	a.Send(e)
	return a.WaitEvent(e.ID)
}

// WaitEvent waits until an event is processed, ignored, held or failed, or an
// attempt at it failed (received with attempts: River will retry), and returns it.
func (a *App) WaitEvent(id string) store.Event {
	a.T.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ev, err := a.Store.EventByID(context.Background(), id)
		if err == nil && (ev.Status == store.EventProcessed || ev.Status == store.EventIgnored ||
			ev.Status == store.EventHeld || (ev.Status == store.EventFailed || ev.Status == store.EventReceived) && ev.Attempts > 0) {
			return ev
		}
		if time.Now().After(deadline) {
			a.T.Fatalf("event %s not finished after 15s (status %q, err %v)", id, ev.Status, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// API calls the JSON API with the app's token and decodes the answer into out.
func (a *App) API(method, path string, body any, out any) int {
	a.T.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, a.Server.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+a.Token())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			a.T.Fatalf("%s %s: decoding %q: %v", method, path, b, err)
		}
	}
	return resp.StatusCode
}

// Count runs a count query.
func (a *App) Count(q string, args ...any) int {
	a.T.Helper()
	var n int
	if err := a.Pool.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		a.T.Fatalf("count %q: %v", q, err)
	}
	return n
}

// Eventually polls cond every 10 ms until it holds, failing the test with what
// after timeout.
func (a *App) Eventually(timeout time.Duration, what string, cond func() bool) {
	a.T.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			a.T.Fatalf("after %s: %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Idle waits until the app's queue has nothing left to do now: no job
// available or running, none retryable or scheduled within the next second.
// Tests call it before asserting that something did not happen (a second
// email, a second Slack post), instead of sleeping and hoping.
func (a *App) Idle() {
	a.T.Helper()
	quiet := 0
	a.Eventually(15*time.Second, "the job queue to go idle", func() bool {
		n := a.Count(`SELECT count(*) FROM river_job WHERE state IN ('available', 'running', 'pending')
			OR (state IN ('retryable', 'scheduled') AND scheduled_at < now() + interval '1 second')`)
		if n > 0 {
			quiet = 0
			return false
		}
		quiet++
		return quiet >= 3 // a job inserted by the last one to finish shows up here too
	})
}
