package web

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/views"
)

// integration is one outside service the Setup page guides through: what it
// enables, the settings it needs, and the launch checks that verify it.
type integration struct {
	id, name, enables string
	// vars are the settings it needs; any is enough when anyOf is true
	// (alerts go to Slack or email).
	vars  []string
	anyOf bool
	// steps say exactly what to set, in order; verify how to see it works.
	steps  []string
	verify string
	// checks are the doctor's checks "Test it now" runs and shows.
	checks []string
}

// integrations are the Setup page's services, in the order a founder sets
// them up.
var integrations = []integration{
	{id: "stripe-webhook", name: "Stripe webhook", enables: "Every payment, refund, dispute and payout reaches Switchboard as it happens.",
		vars: []string{"STRIPE_WEBHOOK_SECRET"},
		steps: []string{"In Stripe's Dashboard → Developers → Webhooks, add an endpoint at {base}/webhooks/stripe with the events the README lists.",
			"Copy its signing secret (whsec_…) into STRIPE_WEBHOOK_SECRET and restart Switchboard."},
		verify: "Send a test event from the endpoint's page in Stripe: it appears under Events within seconds.",
		checks: []string{"stripe.webhook_secret", "stripe.webhook_endpoint", "events.held_failed"}},
	{id: "stripe-api", name: "Stripe API key", enables: "Refunds and dispute evidence from the console, and reconciliation of events the webhook missed.",
		vars: []string{"STRIPE_SECRET_KEY"},
		steps: []string{"In Stripe's Dashboard → Developers → API keys, create a restricted key: read Events and Webhook endpoints; write Refunds and Disputes.",
			"Set STRIPE_SECRET_KEY to it (a test-mode key outside production, a live one in production) and restart."},
		verify: "Test it now below; then Events → Fetch missed events reads Stripe's last day.",
		checks: []string{"stripe.secret_key", "stripe.api"}},
	{id: "crm", name: "CRM", enables: "Each customer, with plan and payment state, kept up to date in HubSpot (or your own CRM through a signed webhook).",
		vars: []string{"CRM_PROVIDER"},
		steps: []string{"HubSpot: create a private app with crm.objects.contacts.read/write and crm.schemas.contacts.read/write; set CRM_PROVIDER=hubspot and HUBSPOT_TOKEN to its token.",
			"Or your own CRM: set CRM_PROVIDER=webhook, CRM_WEBHOOK_URL and CRM_WEBHOOK_SECRET (see the README).",
			"Restart, run switchboard crm setup once (HubSpot), then CRM backfill for the customers you already have."},
		verify: "Test it now below; then open a customer and press Sync now.",
		checks: []string{"config.crm", "hubspot"}},
	{id: "mail", name: "Mail", enables: "Order confirmations, refund notices, failed-payment email and ticket replies reach customers (until then they wait in the outbox).",
		vars: []string{"SMTP_URL", "MAIL_FROM"},
		steps: []string{"Set SMTP_URL to your provider's relay (smtp://user:pass@host:587) and MAIL_FROM to the sender on your own domain.",
			"Publish SPF, DKIM and DMARC for that domain as your provider says; set MAIL_DKIM_SELECTOR to its DKIM selector. Restart."},
		verify: "Test it now below; then resend a message from the outbox.",
		checks: []string{"config.mail", "smtp", "dns.spf", "dns.dkim", "dns.dmarc"}},
	{id: "alerts", name: "Alerts", enables: "Failures reach you in Slack or by email, not only on this console.",
		vars: []string{"ALERT_SLACK_WEBHOOK_URL", "ALERT_EMAIL"}, anyOf: true,
		steps:  []string{"Create a Slack incoming webhook and set ALERT_SLACK_WEBHOOK_URL to its URL, or set ALERT_EMAIL (mail must be set up too). Restart."},
		verify: "Test it now below; the next alert also shows whether its delivery worked.",
		checks: []string{"config.alerts"}},
	{id: "inbound-email", name: "Inbound email", enables: "Customers' emails and replies become tickets, with their account and payment state attached.",
		vars: []string{"INBOUND_EMAIL_USER", "INBOUND_EMAIL_PASSWORD"},
		steps: []string{"Choose a user and a long random password; set INBOUND_EMAIL_USER and INBOUND_EMAIL_PASSWORD and restart.",
			"In Postmark's inbound settings, set the webhook URL to https://USER:PASSWORD@{host}/webhooks/inbound-email."},
		verify: "Send an email to your inbound address: it appears under Tickets.",
		checks: []string{"config.inbound_email"}},
	{id: "app-webhook", name: "App webhook", enables: "The marketplace app hears, signed, when an order is paid, fails, is refunded or disputed and when a customer's payment state changes, instead of parsing Stripe's webhooks a second time.",
		vars: []string{"APP_WEBHOOK_URL", "APP_WEBHOOK_SECRET"},
		steps: []string{"Add a route to the app that verifies the Switchboard-Signature header (HMAC-SHA256 of \"<t>.<body>\", as the README shows) and keeps events by their id.",
			"Set APP_WEBHOOK_URL to it (https) and APP_WEBHOOK_SECRET to a long random secret the app knows too (openssl rand -hex 32). Restart."},
		verify: "Pay a test order: its order.paid appears under App deliveries as delivered.",
		checks: []string{"config.app_webhook"}},
	{id: "billing", name: "Billing link", enables: "Failed-payment email carries a link where the customer updates their card.",
		vars:   []string{"BILLING_URL"},
		steps:  []string{"Set BILLING_URL to your marketplace's billing page (https) and restart."},
		verify: "Test it now below.",
		checks: []string{"config.billing_url"}},
}

// setupShow handles GET /setup: each integration, whether it is set up, what
// it enables, exactly what to set and how to verify it.
func (s *Server) setupShow(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, views.SetupPage(s.shell(r, "Setup"), s.setupData()))
}

// setupTest handles POST /setup/{id}/test: the integration's launch checks,
// run now, as the page's fragment (htmx) or the page with them.
func (s *Server) setupTest(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	i := slices.IndexFunc(integrations, func(in integration) bool { return in.id == id })
	if i < 0 {
		return notFound()
	}
	if s.cfg.Doctor == nil {
		return apiError{http.StatusConflict, "The launch checks are not available in this build."}
	}
	s.checks.Lock()
	all := s.cfg.Doctor(r.Context())
	s.checks.Unlock()
	var checks []store.Check
	for _, c := range all {
		if slices.Contains(integrations[i].checks, c.Name) {
			checks = append(checks, c)
		}
	}
	slices.SortStableFunc(checks, func(a, b store.Check) int { return checkRank[a.Status] - checkRank[b.Status] })
	result := views.SetupResult{ID: id, Checks: checks, At: time.Now()}
	if isPartial(r) {
		return s.render(w, r, http.StatusOK, views.SetupChecks(result))
	}
	d := s.setupData()
	d.Result = &result
	return s.render(w, r, http.StatusOK, views.SetupPage(s.shell(r, "Setup"), d))
}

// setupData says where each integration stands, from the configuration.
func (s *Server) setupData() views.SetupData {
	set := map[string]bool{}
	base := "https://your-switchboard"
	for _, c := range s.cfg.Settings {
		set[c.Name] = c.Value != "" && !(c.Name == "CRM_PROVIDER" && c.Value == "none")
		if c.Name == "BASE_URL" && c.Value != "" {
			base = strings.TrimRight(c.Value, "/")
		}
	}
	host := strings.TrimPrefix(strings.TrimPrefix(base, "https://"), "http://")
	d := views.SetupData{Testable: s.cfg.Doctor != nil}
	for _, in := range integrations {
		v := views.Integration{ID: in.id, Name: in.name, Enables: in.enables, Verify: in.verify}
		n := 0
		for _, name := range in.vars {
			v.Vars = append(v.Vars, views.SetupVar{Name: name, Set: set[name]})
			if set[name] {
				n++
			}
		}
		switch {
		case n == len(in.vars) || in.anyOf && n > 0:
			v.State = views.SetupReady
		case n > 0:
			v.State = views.SetupPartial
		default:
			v.State = views.SetupMissing
		}
		if in.id == "stripe-api" && v.State == views.SetupReady && s.cfg.StripeWriteRefusal != "" {
			v.State, v.Problem = views.SetupPartial, s.cfg.StripeWriteRefusal
		}
		for _, st := range in.steps {
			v.Steps = append(v.Steps, strings.NewReplacer("{base}", base, "{host}", host).Replace(st))
		}
		d.Integrations = append(d.Integrations, v)
	}
	return d
}
