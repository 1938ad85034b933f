// Package stripeapi builds the Stripe API client Switchboard's commands and
// workers share (reconciliation, refunds, the doctor's checks): stripe-go v76
// with a timeout on every request, a bounded number of retries, no logging of
// its own, and the API's base URL overridable (STRIPE_API_BASE) so tests can
// point it at a fake or at stripe-mock.
package stripeapi

import (
	"net/http"
	"strings"
	"time"

	stripe "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
)

// Timeout bounds each HTTP request to Stripe (a retry gets its own).
const Timeout = 30 * time.Second

// MaxRetries is how many times stripe-go retries a request that failed in a
// way Stripe says is safe to retry (network errors, 409, 5xx,
// Stripe-Should-Retry: true), with its own backoff (about 1 s, then 2.5 s).
const MaxRetries = 2

// Option changes the client New builds.
type Option func(*options)

type options struct {
	http    *http.Client
	retries int64
}

// WithHTTPClient makes the client send through hc (its Timeout applies per
// request) instead of a fresh client with Timeout.
func WithHTTPClient(hc *http.Client) Option { return func(o *options) { o.http = hc } }

// WithRetries sets how many times a retryable request is retried (0: never).
func WithRetries(n int) Option { return func(o *options) { o.retries = int64(n) } }

// New returns a Stripe client for secretKey. apiBase, when not empty,
// replaces https://api.stripe.com (and Stripe's uploads and connect hosts) for
// every request.
func New(secretKey, apiBase string, opts ...Option) *client.API {
	o := options{http: &http.Client{Timeout: Timeout}, retries: MaxRetries}
	for _, f := range opts {
		f(&o)
	}
	backend := func(t stripe.SupportedBackend) stripe.Backend {
		// GetBackendWithConfig fills in the config it is given, so each
		// backend gets its own.
		cfg := &stripe.BackendConfig{
			HTTPClient:        o.http,
			MaxNetworkRetries: stripe.Int64(o.retries),
			LeveledLogger:     &stripe.LeveledLogger{Level: stripe.LevelNull},
			EnableTelemetry:   stripe.Bool(false),
		}
		if apiBase != "" {
			cfg.URL = stripe.String(apiBase)
		}
		return stripe.GetBackendWithConfig(t, cfg)
	}
	return client.New(secretKey, &stripe.Backends{
		API:     backend(stripe.APIBackend),
		Connect: backend(stripe.ConnectBackend),
		Uploads: backend(stripe.UploadsBackend),
	})
}

// ModeRefusal applies the doctor's rule to calls that move money: a live key
// (sk_live_, rk_live_) belongs to production only, a test key never there. It
// returns why a call must be refused, or "" when the key's mode matches.
func ModeRefusal(key string, production bool) string {
	live := strings.Contains(key, "_live_")
	switch {
	case key == "":
		return "STRIPE_SECRET_KEY is not set, so Switchboard cannot call Stripe"
	case !strings.HasPrefix(key, "sk_") && !strings.HasPrefix(key, "rk_"):
		return "STRIPE_SECRET_KEY is not a secret or restricted key (sk_… or rk_…)"
	case live && !production:
		return "STRIPE_SECRET_KEY is a live-mode key outside production (APP_ENV is not production): refusing to move real money"
	case !live && production:
		return "STRIPE_SECRET_KEY is a test-mode key in production: refusing to refund against test data"
	}
	return ""
}
