package doctor_test

import (
	"context"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/doctor"
	"github.com/switchboardhq/switchboard/internal/pgtest"
	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
)

// unreachable is the error a dial gets with no network.
var unreachable = &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ENETUNREACH)}

// loopbackOnly dials loopback addresses (the fakes) and fails every other
// as if there were no network: no test ever leaves the machine.
func loopbackOnly(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); host == "localhost" || ip != nil && ip.IsLoopback() {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	return nil, unreachable
}

// blackHole is a network that never answers: dials wait for the deadline.
func blackHole(ctx context.Context, _, _ string) (net.Conn, error) {
	<-ctx.Done()
	return nil, &net.OpError{Op: "dial", Net: "tcp", Err: ctx.Err()}
}

// resolver answers TXT lookups from a map; names it lacks do not exist.
// down makes every lookup time out, hang waits for the deadline first.
type resolver struct {
	txt        map[string][]string
	down, hang bool
}

func (r resolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	if r.hang {
		<-ctx.Done()
		return nil, &net.DNSError{Err: "i/o timeout", Name: name, IsTimeout: true}
	}
	if r.down {
		return nil, &net.DNSError{Err: "server misbehaving", Name: name, IsTemporary: true}
	}
	if v, ok := r.txt[name]; ok {
		return v, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

// baseConfig is a development deployment with nothing optional set.
func baseConfig() doctor.Config {
	return doctor.Config{
		AppEnv: "development", BaseURL: "http://localhost:8080", CRMProvider: "none",
		WebhookSecrets:   []string{"whsec_0123456789abcdefABCDEF0123456789"},
		StripeAPIVersion: jobs.SupportedAPIVersion, EventTypes: jobs.HandledTypes(),
	}
}

// offlineDeps keep a run on this machine.
func offlineDeps() doctor.Deps {
	return doctor.Deps{Dial: loopbackOnly, Resolver: resolver{}, Timeout: 2 * time.Second}
}

func run(t *testing.T, cfg doctor.Config, deps doctor.Deps) []store.Check {
	t.Helper()
	return doctor.New(cfg, deps).Run(context.Background())
}

func find(t *testing.T, cs []store.Check, name string) store.Check {
	t.Helper()
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no check named %s in %+v", name, cs)
	return store.Check{}
}

// want asserts a check's status and that its detail (or fix) says something.
func want(t *testing.T, c store.Check, status store.CheckStatus, says string) {
	t.Helper()
	if c.Status != status || !strings.Contains(c.Detail+" | "+c.Fix, says) {
		t.Errorf("%s: got %s %q (fix %q), want %s saying %q", c.Name, c.Status, c.Detail, c.Fix, status, says)
	}
	if (c.Status == store.CheckWarn || c.Status == store.CheckFail) && c.Fix == "" {
		t.Errorf("%s: a %s without a fix", c.Name, c.Status)
	}
}

func TestConfigChecks(t *testing.T) {
	t.Parallel()
	rk := "rk_live_" + strings.Repeat("a", 24)
	cases := []struct {
		name   string
		mutate func(*doctor.Config)
		check  string
		status store.CheckStatus
		says   string
	}{
		{"live key in development", func(c *doctor.Config) { c.StripeSecretKey = "sk_live_" + strings.Repeat("x", 24) }, "stripe.secret_key", store.CheckFail, "live-mode key"},
		{"live key in staging", func(c *doctor.Config) { c.AppEnv, c.StripeSecretKey = "staging", rk }, "stripe.secret_key", store.CheckFail, "APP_ENV=staging"},
		{"test key in production", func(c *doctor.Config) { c.AppEnv, c.StripeSecretKey = "production", "rk_test_"+strings.Repeat("a", 24) }, "stripe.secret_key", store.CheckFail, "test-mode key"},
		{"live secret key in production", func(c *doctor.Config) { c.AppEnv, c.StripeSecretKey = "production", "sk_live_"+strings.Repeat("a", 24) }, "stripe.secret_key", store.CheckWarn, "restricted key"},
		{"live restricted key in production", func(c *doctor.Config) { c.AppEnv, c.StripeSecretKey = "production", rk }, "stripe.secret_key", store.CheckOK, "live-mode restricted key"},
		{"test key in development", func(c *doctor.Config) { c.StripeSecretKey = "sk_test_" + strings.Repeat("a", 24) }, "stripe.secret_key", store.CheckOK, "test-mode secret key"},
		{"publishable key", func(c *doctor.Config) { c.StripeSecretKey = "pk_test_" + strings.Repeat("a", 24) }, "stripe.secret_key", store.CheckFail, "publishable"},
		{"no key in production", func(c *doctor.Config) { c.AppEnv = "production" }, "stripe.secret_key", store.CheckWarn, "not set"},
		{"no key in development", func(c *doctor.Config) {}, "stripe.secret_key", store.CheckSkip, "not set"},

		{"webhook secret missing in production", func(c *doctor.Config) { c.AppEnv, c.WebhookSecrets = "production", nil }, "stripe.webhook_secret", store.CheckFail, "refused with 400"},
		{"webhook secret missing in development", func(c *doctor.Config) { c.WebhookSecrets = nil }, "stripe.webhook_secret", store.CheckWarn, "stripe listen"},
		{"webhook secret malformed", func(c *doctor.Config) {
			c.WebhookSecrets = []string{"whsec_" + strings.Repeat("a", 32), "sk_test_oops"}
		}, "stripe.webhook_secret", store.CheckFail, "value 2 of 2"},
		{"webhook secret quoted", func(c *doctor.Config) { c.WebhookSecrets = []string{`"whsec_` + strings.Repeat("a", 32) + `"`} }, "stripe.webhook_secret", store.CheckFail, "not a signing secret"},
		{"webhook secret rotation", func(c *doctor.Config) { c.WebhookSecrets = append(c.WebhookSecrets, "whsec_"+strings.Repeat("b", 32)) }, "stripe.webhook_secret", store.CheckOK, "rotation"},
		{"three webhook secrets", func(c *doctor.Config) {
			c.WebhookSecrets = append(c.WebhookSecrets, "whsec_"+strings.Repeat("b", 32), "whsec_"+strings.Repeat("c", 32))
		}, "stripe.webhook_secret", store.CheckWarn, "rotation"},

		{"http BASE_URL in production", func(c *doctor.Config) { c.AppEnv, c.BaseURL = "production", "http://ops.shop.com" }, "base_url", store.CheckFail, "http in production"},
		{"localhost BASE_URL in production", func(c *doctor.Config) { c.AppEnv, c.BaseURL = "production", "https://localhost" }, "base_url", store.CheckFail, "localhost"},
		{"https BASE_URL in production", func(c *doctor.Config) { c.AppEnv, c.BaseURL = "production", "https://ops.shop.com" }, "base_url", store.CheckOK, "https"},
		{"BASE_URL not a URL", func(c *doctor.Config) { c.BaseURL = "ops.shop.com" }, "base_url", store.CheckFail, "not an http(s) URL"},

		{"hubspot without token", func(c *doctor.Config) { c.CRMProvider = "hubspot" }, "config.crm", store.CheckFail, "HUBSPOT_TOKEN"},
		{"crm webhook without secret", func(c *doctor.Config) { c.CRMProvider, c.CRMWebhookURL = "webhook", "https://crm.test/hook" }, "config.crm", store.CheckFail, "CRM_WEBHOOK_SECRET"},
		{"crm webhook http in production", func(c *doctor.Config) {
			c.AppEnv, c.CRMProvider, c.CRMWebhookURL, c.CRMWebhookSecret = "production", "webhook", "http://crm.shop.com/hook", strings.Repeat("s", 32)
		}, "config.crm", store.CheckFail, "http in production"},
		{"crm webhook short secret", func(c *doctor.Config) {
			c.CRMProvider, c.CRMWebhookURL, c.CRMWebhookSecret = "webhook", "https://crm.shop.com/hook", "short"
		}, "config.crm", store.CheckWarn, "shorter than 16"},

		{"no SMTP in production", func(c *doctor.Config) { c.AppEnv = "production" }, "config.mail", store.CheckWarn, "outbox"},
		{"SMTP without MAIL_FROM", func(c *doctor.Config) { c.SMTPURL = "smtp://u:p@mail.shop.com:587" }, "config.mail", store.CheckFail, "MAIL_FROM"},
		{"SMTP bad scheme", func(c *doctor.Config) { c.SMTPURL, c.MailFrom = "http://mail.shop.com", "a@shop.com" }, "config.mail", store.CheckFail, "scheme"},
		{"SMTP tls=none to a remote relay in production", func(c *doctor.Config) {
			c.AppEnv, c.SMTPURL, c.MailFrom = "production", "smtp://u:p@mail.shop.com:25?tls=none", "a@shop.com"
		}, "config.mail", store.CheckWarn, "unencrypted"},
		{"SMTP good", func(c *doctor.Config) { c.SMTPURL, c.MailFrom = "smtp://u:p@mail.shop.com:587", "a@shop.com" }, "config.mail", store.CheckOK, "mail.shop.com:587"},

		{"alert email without SMTP", func(c *doctor.Config) { c.AlertEmail = "ops@shop.com" }, "config.alerts", store.CheckWarn, "outbox"},
		{"alert Slack URL http", func(c *doctor.Config) { c.AlertSlackWebhookURL = "http://hooks.slack.com/x" }, "config.alerts", store.CheckFail, "https"},
		{"no alert channel in production", func(c *doctor.Config) { c.AppEnv = "production" }, "config.alerts", store.CheckWarn, "only show in the console"},
		{"inbound user without password", func(c *doctor.Config) { c.InboundEmailUser = "postmark" }, "config.inbound_email", store.CheckFail, "only one of"},
		{"inbound both set", func(c *doctor.Config) {
			c.InboundEmailUser, c.InboundEmailPassword = "postmark", strings.Repeat("p", 24)
		}, "config.inbound_email", store.CheckOK, "basic auth"},
		{"no billing URL in production", func(c *doctor.Config) { c.AppEnv = "production" }, "config.billing_url", store.CheckWarn, "BILLING_URL"},
		{"no billing URL in development", func(c *doctor.Config) { c.BillingURL = "" }, "config.billing_url", store.CheckWarn, "BILLING_URL"},
		{"no CRM", func(c *doctor.Config) { c.CRMProvider = "none" }, "config.crm", store.CheckWarn, "not synced anywhere"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := baseConfig()
			tc.mutate(&cfg)
			cs := run(t, cfg, offlineDeps())
			c := find(t, cs, tc.check)
			want(t, c, tc.status, tc.says)
			for _, c := range cs {
				for _, secret := range []string{cfg.StripeSecretKey, cfg.CRMWebhookSecret, cfg.InboundEmailPassword} {
					if len(secret) > 8 && strings.Contains(c.Detail+c.Fix, secret) {
						t.Fatalf("%s shows a secret: %q", c.Name, c.Detail)
					}
				}
				if strings.Contains(c.Detail+c.Fix, ":p@") {
					t.Fatalf("%s shows the SMTP password: %q", c.Name, c.Detail)
				}
			}
		})
	}
}

// With no network at all, every network check says skip, and the run ends
// within a timeout: here the network refuses at once.
func TestOfflineRunSkipsNetworkChecksFast(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	for _, tc := range []struct {
		name    string
		deps    doctor.Deps
		maxTime time.Duration
	}{
		{"unreachable", doctor.Deps{Dial: loopbackOnly, Resolver: resolver{down: true}}, 2 * time.Second},
		// A black-holed network answers nothing: the default 5 s timeout
		// applies to each check, all at once.
		{"black hole", doctor.Deps{Dial: blackHole, Resolver: resolver{hang: true}}, 8 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := productionConfig()
			cfg.DatabaseURL = url
			start := time.Now()
			cs := run(t, cfg, tc.deps)
			took := time.Since(start)
			if took > tc.maxTime {
				t.Fatalf("the offline run took %s, want under %s", took, tc.maxTime)
			}
			for _, name := range []string{"stripe.api", "stripe.webhook_endpoint", "smtp", "hubspot", "dns.spf", "dns.dkim", "dns.dmarc", "tls"} {
				c := find(t, cs, name)
				if c.Status != store.CheckSkip || !strings.Contains(c.Detail, "could not reach") && !strings.Contains(c.Detail, "was not asked") {
					t.Errorf("%s offline: got %s %q, want skip", name, c.Status, c.Detail)
				}
			}
			if c := find(t, cs, "database"); c.Status != store.CheckOK {
				t.Errorf("database (local): got %s %q", c.Status, c.Detail)
			}
			if n := store.ChecksFailed(cs); n != 0 {
				t.Errorf("offline production run: %d failed, want none: %+v", n, cs)
			}
			t.Logf("%s: %d checks in %s", tc.name, len(cs), took.Round(time.Millisecond))
		})
	}
}

// productionConfig configures every feature as a real deployment would.
func productionConfig() doctor.Config {
	return doctor.Config{
		AppEnv: "production", BaseURL: "https://ops.shop-example.com", CRMProvider: "hubspot", HubSpotToken: "pat-na1-" + strings.Repeat("t", 32),
		WebhookSecrets: []string{"whsec_" + strings.Repeat("w", 32)}, StripeSecretKey: "rk_live_" + strings.Repeat("k", 24),
		StripeAPIVersion: jobs.SupportedAPIVersion, EventTypes: jobs.HandledTypes(),
		SMTPURL: "smtp://mailer:" + strings.Repeat("m", 20) + "@smtp.mailprovider.com:587", MailFrom: "Shop <hello@shop-example.com>", DKIMSelector: "s1",
		AlertEmail: "ops@shop-example.com", BillingURL: "https://shop-example.com/billing",
	}
}
