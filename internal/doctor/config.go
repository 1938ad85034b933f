package doctor

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/switchboardhq/switchboard/jobs/mail"
	"github.com/switchboardhq/switchboard/store"
)

// configChecks look at the configuration alone: no network.
func (d *Doctor) configChecks(context.Context) []store.Check {
	return []store.Check{
		d.baseURLCheck(),
		d.crmConfigCheck(),
		d.mailConfigCheck(),
		d.alertsConfigCheck(),
		d.inboundConfigCheck(),
		d.billingURLCheck(),
		d.appWebhookCheck(),
	}
}

func (d *Doctor) appWebhookCheck() store.Check {
	const name = "config.app_webhook"
	u, err := url.Parse(d.cfg.AppWebhookURL)
	switch {
	case d.cfg.AppWebhookURL == "":
		return skip(name, "APP_WEBHOOK_URL is not set: the marketplace app hears nothing from Switchboard", "set APP_WEBHOOK_URL and APP_WEBHOOK_SECRET (see README, App webhooks)")
	case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		return fail(name, "APP_WEBHOOK_URL is not an http(s) URL", "set it to the app's receiving route, https://…")
	case u.Scheme != "https" && d.cfg.production():
		return fail(name, "APP_WEBHOOK_URL is http in production: orders would travel unencrypted", "use the app's https URL")
	case len(d.cfg.AppWebhookSecret) < 16:
		return fail(name, "APP_WEBHOOK_SECRET is missing or shorter than 16 characters: its signatures are easy to forge", "set a long random secret (openssl rand -hex 32) in both Switchboard and the app")
	}
	return ok(name, "signed events to "+u.Host)
}

// local reports whether a host name is this machine or a private name that
// the internet cannot reach.
func local(host string) bool {
	h := strings.ToLower(host)
	return h == "localhost" || strings.HasSuffix(h, ".localhost") || h == "127.0.0.1" || h == "::1" || h == "0.0.0.0" ||
		strings.HasSuffix(h, ".local") || strings.HasSuffix(h, ".internal")
}

func (d *Doctor) baseURLCheck() store.Check {
	const name = "base_url"
	u, err := url.Parse(d.cfg.BaseURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fail(name, fmt.Sprintf("BASE_URL %q is not an http(s) URL", d.cfg.BaseURL), "set BASE_URL to the console's public URL, e.g. https://ops.example.com")
	}
	if !d.cfg.production() {
		return ok(name, fmt.Sprintf("%s (%s)", d.cfg.BaseURL, d.cfg.AppEnv))
	}
	switch {
	case u.Scheme != "https":
		return fail(name, "BASE_URL is http in production: session cookies are not Secure and links in email are not encrypted", "serve the console over https and set BASE_URL=https://…")
	case local(u.Hostname()):
		return fail(name, fmt.Sprintf("BASE_URL points at %s in production: links in email and Stripe's webhook cannot reach it", u.Hostname()), "set BASE_URL to the console's public https URL")
	}
	return ok(name, d.cfg.BaseURL+" (https)")
}

// stripeKeyCheck compares the secret key's mode with APP_ENV: live keys
// belong to production only, test keys never there.
func (d *Doctor) stripeKeyCheck() store.Check {
	const name = "stripe.secret_key"
	k := d.cfg.StripeSecretKey
	if k == "" {
		if d.cfg.production() {
			return warn(name, "STRIPE_SECRET_KEY is not set: reconciliation and refunds cannot call Stripe", "create a restricted key (Dashboard → Developers → API keys) with read access to Events and Webhook endpoints and set STRIPE_SECRET_KEY")
		}
		return skip(name, "STRIPE_SECRET_KEY is not set: reconciliation, refunds, dispute evidence and the Stripe API checks are off",
			"create a test-mode restricted key (Dashboard → Developers → API keys) with read access to Events and Webhook endpoints and write access to Refunds and Disputes, and set STRIPE_SECRET_KEY")
	}
	var kind string
	var live bool
	switch {
	case strings.HasPrefix(k, "sk_live_"), strings.HasPrefix(k, "rk_live_"):
		kind, live = k[:8], true
	case strings.HasPrefix(k, "sk_test_"), strings.HasPrefix(k, "rk_test_"):
		kind = k[:8]
	case strings.HasPrefix(k, "pk_"):
		return fail(name, "STRIPE_SECRET_KEY holds a publishable key (pk_…), which cannot read anything", "use a restricted key (rk_…) or a secret key (sk_…)")
	default:
		return fail(name, "STRIPE_SECRET_KEY does not look like a Stripe key (sk_… or rk_…)", "copy the key again from Dashboard → Developers → API keys")
	}
	restricted := strings.HasPrefix(k, "rk_")
	switch {
	case live && !d.cfg.production():
		return fail(name, fmt.Sprintf("a live-mode key (%s…) with APP_ENV=%s: this deployment could move real money", kind, d.cfg.AppEnv), "use a test-mode key (sk_test_… or rk_test_…) outside production")
	case !live && d.cfg.production():
		return fail(name, fmt.Sprintf("a test-mode key (%s…) with APP_ENV=production: reconciliation would read test data", kind), "use a live-mode restricted key (rk_live_…)")
	case !restricted && d.cfg.production():
		return warn(name, "a live secret key (sk_live_…): it can do anything on the account", "create a restricted key with read access to Events and Webhook endpoints (and write to Refunds if you refund from Switchboard) and use it instead")
	}
	mode := "test"
	if live {
		mode = "live"
	}
	what := "secret"
	if restricted {
		what = "restricted"
	}
	return ok(name, fmt.Sprintf("a %s-mode %s key (%s…) with APP_ENV=%s", mode, what, kind, d.cfg.AppEnv))
}

// whsecRE is a webhook signing secret: whsec_ and base64 (the CLI's are hex).
var whsecRE = regexp.MustCompile(`^whsec_[A-Za-z0-9+/=_]{16,}$`)

func (d *Doctor) webhookSecretCheck() store.Check {
	const name = "stripe.webhook_secret"
	s := d.cfg.WebhookSecrets
	if len(s) == 0 {
		detail := "STRIPE_WEBHOOK_SECRET is not set: every webhook is refused with 400"
		fix := "set STRIPE_WEBHOOK_SECRET to the endpoint's signing secret (Dashboard → Developers → Webhooks → the endpoint → Signing secret)"
		if d.cfg.production() {
			return fail(name, detail, fix)
		}
		return warn(name, detail, fix+", or the one `stripe listen` prints")
	}
	for i, v := range s {
		if !whsecRE.MatchString(v) {
			return fail(name, fmt.Sprintf("value %d of %d is not a signing secret (whsec_ followed by at least 16 letters or digits)", i+1, len(s)), "copy the signing secret again; separate several with commas, no spaces or quotes")
		}
	}
	if len(s) > 2 {
		return warn(name, fmt.Sprintf("%d signing secrets: every delivery is checked against each", len(s)), "finish the rotation: keep only the endpoints' current secrets")
	}
	if len(s) == 2 {
		return ok(name, "2 well-formed signing secrets (a rotation in progress)")
	}
	return ok(name, "a well-formed signing secret")
}

func (d *Doctor) crmConfigCheck() store.Check {
	const name = "config.crm"
	c := d.cfg
	switch c.CRMProvider {
	case "hubspot":
		if c.HubSpotToken == "" {
			return fail(name, "CRM_PROVIDER=hubspot without HUBSPOT_TOKEN: no contact can be synced", "create a HubSpot private app with crm.objects.contacts.read/write and crm.schemas.contacts.read, and set HUBSPOT_TOKEN to its token")
		}
		return ok(name, "HubSpot, token set")
	case "webhook":
		u, err := url.Parse(c.CRMWebhookURL)
		switch {
		case c.CRMWebhookURL == "" || c.CRMWebhookSecret == "":
			return fail(name, "CRM_PROVIDER=webhook needs both CRM_WEBHOOK_URL and CRM_WEBHOOK_SECRET", "set both (the secret signs each call; see README, The CRM webhook)")
		case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
			return fail(name, "CRM_WEBHOOK_URL is not an http(s) URL", "set CRM_WEBHOOK_URL to the receiver's https URL")
		case u.Scheme != "https" && c.production():
			return fail(name, "CRM_WEBHOOK_URL is http in production: contacts would travel unencrypted", "use the receiver's https URL")
		case len(c.CRMWebhookSecret) < 16:
			return warn(name, "CRM_WEBHOOK_SECRET is shorter than 16 characters: its signatures are easy to forge", "use a long random secret (e.g. openssl rand -hex 32)")
		}
		return ok(name, "a signed webhook to "+u.Host)
	}
	return warn(name, "no CRM: customers and their payment state are not synced anywhere (CRM_PROVIDER is none)",
		"set CRM_PROVIDER=hubspot and HUBSPOT_TOKEN (a private app's token), or CRM_PROVIDER=webhook with CRM_WEBHOOK_URL and CRM_WEBHOOK_SECRET; then run switchboard crm setup and restart")
}

func (d *Doctor) mailConfigCheck() store.Check {
	const name = "config.mail"
	c := d.cfg
	if c.SMTPURL == "" {
		if c.production() {
			return warn(name, "SMTP_URL is not set: customer email is kept in the console's outbox, not sent", "set SMTP_URL (smtp://user:pass@host:587) and MAIL_FROM")
		}
		return ok(name, "no SMTP_URL: mail is kept in the console's outbox")
	}
	if _, err := mail.ParseSMTP(c.SMTPURL, c.MailFrom); err != nil {
		return fail(name, err.Error(), "set SMTP_URL like smtp://user:pass@host:587 (or smtps://…:465) and MAIL_FROM to the sender address")
	}
	u, _ := url.Parse(c.SMTPURL)
	if u.Query().Get("tls") == "none" && !local(u.Hostname()) && c.production() {
		return warn(name, "SMTP_URL has tls=none to "+u.Hostname()+": the password and mail travel unencrypted", "drop tls=none unless the relay is on this machine")
	}
	return ok(name, "SMTP via "+u.Host+", from "+c.MailFrom)
}

func (d *Doctor) alertsConfigCheck() store.Check {
	const name = "config.alerts"
	c := d.cfg
	var channels []string
	if c.AlertSlackWebhookURL != "" {
		u, err := url.Parse(c.AlertSlackWebhookURL)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return fail(name, "ALERT_SLACK_WEBHOOK_URL is not an https URL", "paste the incoming webhook URL Slack gave you (https://hooks.slack.com/services/…)")
		}
		channels = append(channels, "Slack")
	}
	if c.AlertEmail != "" {
		if !store.ValidEmail(c.AlertEmail) {
			return fail(name, fmt.Sprintf("ALERT_EMAIL %q is not an email address", c.AlertEmail), "set ALERT_EMAIL to the address that should receive alerts")
		}
		if c.SMTPURL == "" {
			return warn(name, "ALERT_EMAIL is set but SMTP_URL is not: alert email stays in the outbox", "set SMTP_URL and MAIL_FROM")
		}
		channels = append(channels, "email to "+c.AlertEmail)
	}
	if len(channels) == 0 {
		if c.production() {
			return warn(name, "no alert channel: alerts only show in the console", "set ALERT_SLACK_WEBHOOK_URL or ALERT_EMAIL")
		}
		return ok(name, "alerts show in the console only")
	}
	return ok(name, "the console, "+strings.Join(channels, " and "))
}

func (d *Doctor) inboundConfigCheck() store.Check {
	const name = "config.inbound_email"
	u, p := d.cfg.InboundEmailUser, d.cfg.InboundEmailPassword
	switch {
	case u == "" && p == "":
		return ok(name, "off: POST /webhooks/inbound-email refuses every call")
	case u == "" || p == "":
		return fail(name, "only one of INBOUND_EMAIL_USER and INBOUND_EMAIL_PASSWORD is set: every inbound email is refused", "set both, the same as in your inbound-email provider's webhook URL")
	case len(p) < 16:
		return warn(name, "INBOUND_EMAIL_PASSWORD is shorter than 16 characters", "use a long random password (e.g. openssl rand -hex 24)")
	}
	return ok(name, "on, with basic auth")
}

func (d *Doctor) billingURLCheck() store.Check {
	const name = "config.billing_url"
	if d.cfg.BillingURL == "" {
		return warn(name, "BILLING_URL is not set: failed-payment email has no link to update the card", "set BILLING_URL to the marketplace's billing page (where a customer updates their card)")
	}
	u, err := url.Parse(d.cfg.BillingURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && d.cfg.production()) || (u.Scheme != "http" && u.Scheme != "https") {
		return warn(name, "BILLING_URL is not an https URL", "set BILLING_URL to the billing page's https URL")
	}
	return ok(name, d.cfg.BillingURL)
}
