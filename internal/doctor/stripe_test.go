package doctor_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/doctor"
	"github.com/switchboardhq/switchboard/internal/stripefake"
	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
)

func TestStripeChecks(t *testing.T) {
	t.Parallel()
	const base = "https://ops.shop.com"
	const hook = base + "/webhooks/stripe"
	all := jobs.HandledTypes()
	good := stripefake.WebhookEndpoint{URL: hook, APIVersion: jobs.SupportedAPIVersion, EnabledEvents: all}
	cases := []struct {
		name      string
		setup     func(f *stripefake.Stripe, cfg *doctor.Config)
		api, hook store.CheckStatus
		says      string // in the endpoint check when the API check is ok, else in the API check
	}{
		{"all good", func(f *stripefake.Stripe, cfg *doctor.Config) { f.AddWebhookEndpoint(good) }, store.CheckOK, store.CheckOK, "every event type"},
		{"all types by wildcard", func(f *stripefake.Stripe, cfg *doctor.Config) {
			ep := good
			ep.EnabledEvents = []string{"*"}
			f.AddWebhookEndpoint(ep)
		}, store.CheckOK, store.CheckOK, "every event type"},
		{"types split over an account and a Connect endpoint", func(f *stripefake.Stripe, cfg *doctor.Config) {
			a, c := good, good
			a.EnabledEvents, c.EnabledEvents = all[:10], all[10:]
			f.AddWebhookEndpoint(a)
			f.AddWebhookEndpoint(c)
		}, store.CheckOK, store.CheckOK, " and "},
		{"trailing slash on the endpoint's URL", func(f *stripefake.Stripe, cfg *doctor.Config) {
			ep := good
			ep.URL += "/"
			f.AddWebhookEndpoint(ep)
		}, store.CheckOK, store.CheckOK, "every event type"},
		{"wrong key", func(f *stripefake.Stripe, cfg *doctor.Config) {
			cfg.StripeSecretKey = "sk_test_" + strings.Repeat("0", 24)
		}, store.CheckFail, store.CheckSkip, "refused the key"},
		{"restricted key that reads events only", func(f *stripefake.Stripe, cfg *doctor.Config) {
			cfg.StripeSecretKey = "rk_test_" + strings.Repeat("r", 24)
			f.AddKey(cfg.StripeSecretKey, stripefake.ReadEvents)
			f.AddWebhookEndpoint(good)
		}, store.CheckOK, store.CheckFail, "Read access to Webhook endpoints"},
		{"restricted key that cannot read events", func(f *stripefake.Stripe, cfg *doctor.Config) {
			cfg.StripeSecretKey = "rk_test_" + strings.Repeat("r", 24)
			f.AddKey(cfg.StripeSecretKey, stripefake.ReadAccount, stripefake.ReadWebhookEndpoints)
			f.AddWebhookEndpoint(good)
		}, store.CheckFail, store.CheckOK, "Read access to Events"},
		{"no endpoint", func(f *stripefake.Stripe, cfg *doctor.Config) {
			ep := good
			ep.URL = "https://old.shop.com/webhooks/stripe"
			f.AddWebhookEndpoint(ep)
		}, store.CheckOK, store.CheckFail, "no webhook endpoint for " + hook},
		{"no endpoint for a local BASE_URL", func(f *stripefake.Stripe, cfg *doctor.Config) { cfg.BaseURL = "http://localhost:8080" }, store.CheckOK, store.CheckSkip, "stripe listen"},
		{"live endpoint only, test key", func(f *stripefake.Stripe, cfg *doctor.Config) {
			ep := good
			ep.Livemode = true
			f.AddWebhookEndpoint(ep)
		}, store.CheckOK, store.CheckFail, "no webhook endpoint"},
		{"disabled", func(f *stripefake.Stripe, cfg *doctor.Config) {
			ep := good
			ep.Disabled = true
			f.AddWebhookEndpoint(ep)
		}, store.CheckOK, store.CheckFail, "is disabled"},
		{"another API version", func(f *stripefake.Stripe, cfg *doctor.Config) {
			ep := good
			ep.APIVersion = "2022-11-15"
			f.AddWebhookEndpoint(ep)
		}, store.CheckOK, store.CheckFail, "sends API version 2022-11-15"},
		{"not pinned", func(f *stripefake.Stripe, cfg *doctor.Config) {
			ep := good
			ep.APIVersion = ""
			f.AddWebhookEndpoint(ep)
		}, store.CheckOK, store.CheckFail, "not pinned"},
		{"missing event types", func(f *stripefake.Stripe, cfg *doctor.Config) {
			ep := good
			ep.EnabledEvents = slices.DeleteFunc(slices.Clone(all), func(s string) bool { return s == "charge.refunded" || s == "payout.failed" })
			f.AddWebhookEndpoint(ep)
		}, store.CheckOK, store.CheckFail, "2 event type(s) Switchboard applies: charge.refunded, payout.failed"},
		{"Stripe unavailable", func(f *stripefake.Stripe, cfg *doctor.Config) {
			f.AddWebhookEndpoint(good)
			f.FailNext(1, stripefake.Fault{Status: 503})
		}, store.CheckWarn, store.CheckOK, "503"},
		{"rate limited", func(f *stripefake.Stripe, cfg *doctor.Config) {
			f.AddWebhookEndpoint(good)
			f.Fail(stripefake.Fault{}, stripefake.Fault{}, stripefake.Fault{Status: 429})
		}, store.CheckOK, store.CheckWarn, "429"},
		{"Stripe too slow", func(f *stripefake.Stripe, cfg *doctor.Config) { f.Fail(stripefake.Fault{Delay: 3 * time.Second}) }, store.CheckSkip, store.CheckSkip, "could not reach"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := stripefake.New(t)
			cfg := baseConfig()
			cfg.BaseURL, cfg.StripeSecretKey, cfg.StripeAPIBase = base, f.Key, f.URL
			tc.setup(f, &cfg)
			deps := offlineDeps()
			deps.Timeout = 500 * time.Millisecond
			cs := run(t, cfg, deps)
			api, ep := find(t, cs, "stripe.api"), find(t, cs, "stripe.webhook_endpoint")
			if tc.api == store.CheckOK {
				want(t, api, tc.api, "Stripe accepts the key")
				want(t, ep, tc.hook, tc.says)
			} else {
				want(t, api, tc.api, tc.says)
				want(t, ep, tc.hook, "")
			}
			for _, c := range cs {
				if strings.Contains(c.Detail+c.Fix, cfg.StripeSecretKey) {
					t.Fatalf("%s shows the key: %q", c.Name, c.Detail)
				}
			}
		})
	}
}
