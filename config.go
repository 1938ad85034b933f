package main

import (
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/web"
)

// config is Switchboard's configuration, read from the environment (DESIGN.md).
type config struct {
	DatabaseURL          string
	ListenAddr           string
	AppEnv               string
	BaseURL              string
	WebhookSecrets       []string
	StripeSecretKey      string
	StripeAPIBase        string
	CRMProvider          string
	HubSpotToken         string
	HubSpotAPIBase       string
	CRMWebhookURL        string
	CRMWebhookSecret     string
	SMTPURL              string
	MailFrom             string
	DKIMSelector         string
	AlertSlackWebhookURL string
	AlertEmail           string
	InboundEmailUser     string
	InboundEmailPassword string
	BillingURL           string
	AppWebhookURL        string
	AppWebhookSecret     string
	EventWorkers         int
	DBMaxConns           int
	WebhookDBConns       int
	ApplyLagAlert        time.Duration
	JobRescueAfter       time.Duration
	WebhookDBTimeout     time.Duration
	ShutdownTimeout      time.Duration
	// ReconcileInterval is negative when the periodic reconcile is off.
	ReconcileInterval time.Duration
	ReconcileWindow   time.Duration
	// TrustedProxies are the load balancers whose X-Forwarded-For is honoured.
	TrustedProxies []netip.Prefix
	// SupportSubmitsEvidence lets support staff, not only admins, save and
	// submit dispute evidence.
	SupportSubmitsEvidence bool
	// MFARequired are the console roles that must use a second factor.
	MFARequired []string
}

func (c config) production() bool { return c.AppEnv == "production" }

// envVar is one setting: its name, named once here, whether the console masks
// it, how its value is read into the config and how the settings page shows it.
type envVar struct {
	name   string
	secret bool
	load   func(v string) error // v is the variable's value, "" when unset
	show   func() string
}

// vars is every setting, in the order the settings page lists them.
func (c *config) vars() []envVar {
	return []envVar{
		text("APP_ENV", &c.AppEnv, "development", false),
		text("BASE_URL", &c.BaseURL, "http://localhost:8080", false),
		text("LISTEN_ADDR", &c.ListenAddr, ":8080", false),
		text("DATABASE_URL", &c.DatabaseURL, "", true),
		{name: "STRIPE_WEBHOOK_SECRET", secret: true, load: func(v string) error {
			for _, s := range strings.Split(v, ",") {
				if s = strings.TrimSpace(s); s != "" {
					c.WebhookSecrets = append(c.WebhookSecrets, s)
				}
			}
			return nil
		}, show: func() string { return strings.Join(c.WebhookSecrets, ",") }},
		text("STRIPE_SECRET_KEY", &c.StripeSecretKey, "", true),
		text("STRIPE_API_BASE", &c.StripeAPIBase, "", false),
		text("CRM_PROVIDER", &c.CRMProvider, "none", false),
		text("HUBSPOT_TOKEN", &c.HubSpotToken, "", true),
		text("HUBSPOT_API_BASE", &c.HubSpotAPIBase, "https://api.hubapi.com", false),
		text("CRM_WEBHOOK_URL", &c.CRMWebhookURL, "", true),
		text("CRM_WEBHOOK_SECRET", &c.CRMWebhookSecret, "", true),
		text("SMTP_URL", &c.SMTPURL, "", true),
		text("MAIL_FROM", &c.MailFrom, "", false),
		text("MAIL_DKIM_SELECTOR", &c.DKIMSelector, "", false),
		text("ALERT_SLACK_WEBHOOK_URL", &c.AlertSlackWebhookURL, "", true),
		text("ALERT_EMAIL", &c.AlertEmail, "", false),
		text("INBOUND_EMAIL_USER", &c.InboundEmailUser, "", false),
		text("INBOUND_EMAIL_PASSWORD", &c.InboundEmailPassword, "", true),
		text("BILLING_URL", &c.BillingURL, "", false),
		text("APP_WEBHOOK_URL", &c.AppWebhookURL, "", true),
		text("APP_WEBHOOK_SECRET", &c.AppWebhookSecret, "", true),
		integer("EVENT_WORKERS", &c.EventWorkers, 8),
		integer("DB_MAX_CONNS", &c.DBMaxConns, 16),
		integer("WEBHOOK_DB_CONNS", &c.WebhookDBConns, 8),
		duration("JOB_RESCUE_AFTER", &c.JobRescueAfter, jobs.DefaultRescueAfter),
		duration("WEBHOOK_DB_TIMEOUT", &c.WebhookDBTimeout, 5*time.Second),
		duration("SHUTDOWN_TIMEOUT", &c.ShutdownTimeout, 25*time.Second),
		duration("APPLY_LAG_ALERT", &c.ApplyLagAlert, jobs.DefaultApplyLagAlert),
		{name: "RECONCILE_INTERVAL", load: func(v string) (err error) {
			c.ReconcileInterval, err = reconcileInterval(v)
			return err
		}, show: func() string { return reconcileIntervalSetting(*c) }},
		duration("RECONCILE_WINDOW", &c.ReconcileWindow, jobs.DefaultReconcileWindow),
		{name: "TRUSTED_PROXIES", load: func(v string) (err error) {
			c.TrustedProxies, err = web.ParseTrustedProxies(v)
			return err
		}, show: func() string {
			ps := make([]string, len(c.TrustedProxies))
			for i, p := range c.TrustedProxies {
				ps[i] = p.String()
			}
			return strings.Join(ps, ",")
		}},
		boolean("SUPPORT_SUBMITS_EVIDENCE", &c.SupportSubmitsEvidence, false),
		{name: "MFA_REQUIRED", load: func(v string) (err error) {
			c.MFARequired, err = mfaRequired(v, c.production())
			return err
		}, show: func() string { return strings.Join(c.MFARequired, ",") }},
	}
}

// settings is the configuration as the console's settings page shows it;
// secrets are marked so the page masks them.
func (c config) settings() []web.Setting {
	var out []web.Setting
	for _, v := range c.vars() {
		out = append(out, web.Setting{Name: v.name, Value: v.show(), Secret: v.secret})
	}
	return out
}

func loadConfig() (config, error) {
	var c config
	for _, v := range c.vars() {
		if err := v.load(os.Getenv(v.name)); err != nil {
			return c, err
		}
	}
	switch c.AppEnv {
	case "development", "staging", "production":
	default:
		return c, fmt.Errorf("APP_ENV is %q: use development, staging or production", c.AppEnv)
	}
	switch c.CRMProvider {
	case "none", "hubspot", "webhook":
	default:
		return c, fmt.Errorf("CRM_PROVIDER is %q: use none, hubspot or webhook", c.CRMProvider)
	}
	return c, nil
}

// requireDB is the check every command that touches the database makes first.
func (c config) requireDB() error {
	if c.DatabaseURL == "" {
		return fmt.Errorf("DATABASE_URL is not set: point it at Postgres (for example postgres://user@localhost:5432/switchboard), or use 'make run', which starts a local cluster")
	}
	return nil
}

// text is a string setting with a default.
func text(name string, dst *string, def string, secret bool) envVar {
	return envVar{name: name, secret: secret,
		load: func(v string) error { *dst = envOrDefault(v, def); return nil },
		show: func() string { return *dst }}
}

// integer is a whole-number setting with a default.
func integer(name string, dst *int, def int) envVar {
	return envVar{name: name, load: func(v string) error {
		if v == "" {
			*dst = def
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("%s is %q: want a whole number", name, v)
		}
		*dst = n
		return nil
	}, show: func() string { return strconv.Itoa(*dst) }}
}

// boolean is a true/false setting with a default.
func boolean(name string, dst *bool, def bool) envVar {
	return envVar{name: name, load: func(v string) error {
		if v == "" {
			*dst = def
			return nil
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%s is %q: want true or false", name, v)
		}
		*dst = b
		return nil
	}, show: func() string { return strconv.FormatBool(*dst) }}
}

// duration is a duration setting with a default.
func duration(name string, dst *time.Duration, def time.Duration) envVar {
	return envVar{name: name, load: func(v string) error {
		if v == "" {
			*dst = def
			return nil
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("%s is %q: want a duration such as 30s or 2m", name, v)
		}
		*dst = d
		return nil
	}, show: func() string { return dst.String() }}
}

func envOrDefault(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

// envOr reads a variable that is not part of the configuration (LOG_LEVEL).
func envOr(k, def string) string { return envOrDefault(os.Getenv(k), def) }

// reconcileInterval reads RECONCILE_INTERVAL: a duration, or 0 or off to turn
// the periodic reconcile off (a negative result).
func reconcileInterval(v string) (time.Duration, error) {
	switch v = strings.TrimSpace(v); v {
	case "":
		return jobs.DefaultReconcileInterval, nil
	case "0", "off":
		return -1, nil
	default:
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute {
			return 0, fmt.Errorf("RECONCILE_INTERVAL is %q: want a duration of at least 1m (such as 1h), or 0 or off", v)
		}
		return d, nil
	}
}

// reconcileIntervalSetting is RECONCILE_INTERVAL as the settings page shows it.
func reconcileIntervalSetting(c config) string {
	switch {
	case c.StripeSecretKey == "":
		return "off (STRIPE_SECRET_KEY is not set)"
	case c.ReconcileInterval < 0:
		return "off"
	}
	return c.ReconcileInterval.String()
}

// mfaRequired reads MFA_REQUIRED: console roles, comma-separated ("none" for
// none); unset, admin and support in production and none elsewhere.
func mfaRequired(v string, production bool) ([]string, error) {
	v = strings.TrimSpace(v)
	if v == "" && production {
		return []string{store.UserAdmin, store.UserSupport}, nil
	}
	var out []string
	for _, r := range strings.Split(v, ",") {
		switch r = strings.TrimSpace(r); r {
		case "", "none":
		case store.UserAdmin, store.UserSupport, store.UserSeller:
			out = append(out, r)
		default:
			return nil, fmt.Errorf("MFA_REQUIRED names %q: use admin, support and seller, comma-separated, or none", r)
		}
	}
	return out, nil
}
