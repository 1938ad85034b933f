// Package doctor audits a Switchboard deployment before (and after) launch:
// the configuration each feature needs, the Stripe keys and webhook endpoint,
// the database and the queue, mail (SMTP and the sending domain's SPF, DKIM
// and DMARC), HubSpot, BASE_URL and its TLS certificate. Each check gives one
// store.Check; `switchboard doctor` prints them and the console's settings
// page lists them. Every network check has a short timeout and says skip when
// the network is absent.
package doctor

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/switchboardhq/switchboard/store"
)

// Config is the deployment's configuration, as main reads it from the
// environment, plus what this build expects of Stripe.
type Config struct {
	AppEnv      string
	BaseURL     string
	DatabaseURL string

	WebhookSecrets  []string
	StripeSecretKey string
	StripeAPIBase   string
	// StripeAPIVersion is the version this build speaks; EventTypes the
	// event types the README tells operators to enable.
	StripeAPIVersion string
	EventTypes       []string

	CRMProvider      string
	HubSpotToken     string
	HubSpotAPIBase   string
	CRMWebhookURL    string
	CRMWebhookSecret string

	SMTPURL  string
	MailFrom string
	// DKIMSelector is MAIL_DKIM_SELECTOR: the selector the mail provider
	// signs with.
	DKIMSelector string

	AlertSlackWebhookURL string
	AlertEmail           string
	InboundEmailUser     string
	InboundEmailPassword string
	BillingURL           string
	AppWebhookURL        string
	AppWebhookSecret     string
}

func (c Config) production() bool { return c.AppEnv == "production" }

// Resolver looks up TXT records (a *net.Resolver is one).
type Resolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// Deps are the doctor's ways out, injectable so tests stay offline and fast.
// Zero values mean the real thing.
type Deps struct {
	// Pool is the database; nil opens one from Config.DatabaseURL for the run.
	Pool *pgxpool.Pool
	// Dial opens TCP connections for HTTP, SMTP and TLS checks.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// HTTP is the client for Stripe and HubSpot; nil builds one over Dial.
	HTTP *http.Client
	// Resolver answers the DNS checks.
	Resolver Resolver
	// Now is the clock certificates are judged by.
	Now func() time.Time
	// RootCAs verify BASE_URL's certificate; nil means the system's.
	RootCAs *x509.CertPool
	// Timeout bounds each network check (5 s when zero).
	Timeout time.Duration
	// StuckAfter is how long a job may run before it counts as stuck (5
	// minutes when zero); QueueWarn the queue depth that warns (1,000).
	StuckAfter time.Duration
	QueueWarn  int64
}

// Doctor runs the checks.
type Doctor struct {
	cfg  Config
	deps Deps
}

// New returns a Doctor for a configuration.
func New(cfg Config, deps Deps) *Doctor {
	if deps.Dial == nil {
		deps.Dial = (&net.Dialer{}).DialContext
	}
	if deps.Timeout == 0 {
		deps.Timeout = 5 * time.Second
	}
	if deps.HTTP == nil {
		deps.HTTP = &http.Client{Timeout: deps.Timeout, Transport: &http.Transport{
			DialContext: deps.Dial, TLSHandshakeTimeout: deps.Timeout, ResponseHeaderTimeout: deps.Timeout,
			Proxy: http.ProxyFromEnvironment,
		}}
	}
	if deps.Resolver == nil {
		deps.Resolver = net.DefaultResolver
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.StuckAfter == 0 {
		deps.StuckAfter = 5 * time.Minute
	}
	if deps.QueueWarn == 0 {
		deps.QueueWarn = 1000
	}
	return &Doctor{cfg: cfg, deps: deps}
}

// Run makes every check, the network ones at the same time, and returns them
// in a fixed order. It takes about as long as the slowest check (at most the
// timeout, and 25 s in all).
func (d *Doctor) Run(ctx context.Context) []store.Check {
	ctx, cancel := context.WithTimeout(ctx, 25*time.Second)
	defer cancel()
	groups := []func(context.Context) []store.Check{
		d.configChecks,
		d.stripeChecks,
		d.databaseChecks,
		d.smtpCheck,
		d.hubSpotCheck,
		d.dnsChecks,
		d.tlsCheck,
	}
	results := make([][]store.Check, len(groups))
	var wg sync.WaitGroup
	for i, g := range groups {
		wg.Go(func() { results[i] = g(ctx) })
	}
	wg.Wait()
	var out []store.Check
	for _, r := range results {
		out = append(out, r...)
	}
	return out
}

func ok(name, detail string) store.Check {
	return store.Check{Name: name, Status: store.CheckOK, Detail: detail}
}

func warn(name, detail, fix string) store.Check {
	return store.Check{Name: name, Status: store.CheckWarn, Detail: detail, Fix: fix}
}

func fail(name, detail, fix string) store.Check {
	return store.Check{Name: name, Status: store.CheckFail, Detail: detail, Fix: fix}
}

// skip is a check that could not be made; fix says how to enable it, if
// anything would.
func skip(name, detail, fix string) store.Check {
	return store.Check{Name: name, Status: store.CheckSkip, Detail: detail, Fix: fix}
}

// offline reports whether err means the network (or the service's name) is
// out of reach from here: no route, no DNS, or no answer in time. A refused
// connection is not offline: something answered.
func offline(err error) bool {
	var dns *net.DNSError
	var ne net.Error
	switch {
	case errors.As(err, &dns):
		return true
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return true
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETDOWN):
		return true
	}
	return false
}

// offlineCheck is the skip for a network check that could not reach its
// service.
func offlineCheck(name, what string, err error) store.Check {
	return skip(name, "could not reach "+what+" (no network here, or no answer in time): "+shortErr(err), "run switchboard doctor where the deployment runs")
}

// shortErr keeps an error's message to one reasonable line.
func shortErr(err error) string {
	s := err.Error()
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
