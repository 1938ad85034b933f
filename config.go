package main

import (
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/jobs"
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
	EventWorkers         int
	DBMaxConns           int
	JobRescueAfter       time.Duration
	WebhookDBTimeout     time.Duration
	ShutdownTimeout      time.Duration
	// ReconcileInterval is negative when the periodic reconcile is off.
	ReconcileInterval time.Duration
	ReconcileWindow   time.Duration
	// TrustedProxies are the load balancers whose X-Forwarded-For is honoured.
	TrustedProxies []netip.Prefix
}

func (c config) production() bool { return c.AppEnv == "production" }

// settings is the configuration as the console's settings page shows it;
// secrets are marked so the page masks them.
func (c config) settings() []web.Setting {
	return []web.Setting{
		{Name: "APP_ENV", Value: c.AppEnv},
		{Name: "BASE_URL", Value: c.BaseURL},
		{Name: "LISTEN_ADDR", Value: c.ListenAddr},
		{Name: "DATABASE_URL", Value: c.DatabaseURL, Secret: true},
		{Name: "STRIPE_WEBHOOK_SECRET", Value: strings.Join(c.WebhookSecrets, ","), Secret: true},
		{Name: "STRIPE_SECRET_KEY", Value: c.StripeSecretKey, Secret: true},
		{Name: "STRIPE_API_BASE", Value: c.StripeAPIBase},
		{Name: "CRM_PROVIDER", Value: c.CRMProvider},
		{Name: "HUBSPOT_TOKEN", Value: c.HubSpotToken, Secret: true},
		{Name: "HUBSPOT_API_BASE", Value: c.HubSpotAPIBase},
		{Name: "CRM_WEBHOOK_URL", Value: c.CRMWebhookURL, Secret: true},
		{Name: "CRM_WEBHOOK_SECRET", Value: c.CRMWebhookSecret, Secret: true},
		{Name: "SMTP_URL", Value: c.SMTPURL, Secret: true},
		{Name: "MAIL_FROM", Value: c.MailFrom},
		{Name: "MAIL_DKIM_SELECTOR", Value: c.DKIMSelector},
		{Name: "ALERT_SLACK_WEBHOOK_URL", Value: c.AlertSlackWebhookURL, Secret: true},
		{Name: "ALERT_EMAIL", Value: c.AlertEmail},
		{Name: "EVENT_WORKERS", Value: strconv.Itoa(c.EventWorkers)},
		{Name: "DB_MAX_CONNS", Value: strconv.Itoa(c.DBMaxConns)},
		{Name: "JOB_RESCUE_AFTER", Value: c.JobRescueAfter.String()},
		{Name: "WEBHOOK_DB_TIMEOUT", Value: c.WebhookDBTimeout.String()},
		{Name: "SHUTDOWN_TIMEOUT", Value: c.ShutdownTimeout.String()},
		{Name: "RECONCILE_INTERVAL", Value: reconcileIntervalSetting(c)},
		{Name: "RECONCILE_WINDOW", Value: c.ReconcileWindow.String()},
		{Name: "TRUSTED_PROXIES", Value: os.Getenv("TRUSTED_PROXIES")},
	}
}

func loadConfig() (config, error) {
	c := config{
		DatabaseURL:          os.Getenv("DATABASE_URL"),
		ListenAddr:           envOr("LISTEN_ADDR", ":8080"),
		AppEnv:               envOr("APP_ENV", "development"),
		BaseURL:              envOr("BASE_URL", "http://localhost:8080"),
		StripeSecretKey:      os.Getenv("STRIPE_SECRET_KEY"),
		StripeAPIBase:        os.Getenv("STRIPE_API_BASE"),
		CRMProvider:          envOr("CRM_PROVIDER", "none"),
		HubSpotToken:         os.Getenv("HUBSPOT_TOKEN"),
		HubSpotAPIBase:       envOr("HUBSPOT_API_BASE", "https://api.hubapi.com"),
		CRMWebhookURL:        os.Getenv("CRM_WEBHOOK_URL"),
		CRMWebhookSecret:     os.Getenv("CRM_WEBHOOK_SECRET"),
		SMTPURL:              os.Getenv("SMTP_URL"),
		MailFrom:             os.Getenv("MAIL_FROM"),
		DKIMSelector:         os.Getenv("MAIL_DKIM_SELECTOR"),
		AlertSlackWebhookURL: os.Getenv("ALERT_SLACK_WEBHOOK_URL"),
		AlertEmail:           os.Getenv("ALERT_EMAIL"),
		InboundEmailUser:     os.Getenv("INBOUND_EMAIL_USER"),
		InboundEmailPassword: os.Getenv("INBOUND_EMAIL_PASSWORD"),
		BillingURL:           os.Getenv("BILLING_URL"),
	}
	for _, s := range strings.Split(os.Getenv("STRIPE_WEBHOOK_SECRET"), ",") {
		if s = strings.TrimSpace(s); s != "" {
			c.WebhookSecrets = append(c.WebhookSecrets, s)
		}
	}
	var err error
	if c.EventWorkers, err = envInt("EVENT_WORKERS", 8); err != nil {
		return c, err
	}
	if c.DBMaxConns, err = envInt("DB_MAX_CONNS", 16); err != nil {
		return c, err
	}
	if c.JobRescueAfter, err = envDuration("JOB_RESCUE_AFTER", jobs.DefaultRescueAfter); err != nil {
		return c, err
	}
	if c.WebhookDBTimeout, err = envDuration("WEBHOOK_DB_TIMEOUT", 5*time.Second); err != nil {
		return c, err
	}
	if c.ShutdownTimeout, err = envDuration("SHUTDOWN_TIMEOUT", 25*time.Second); err != nil {
		return c, err
	}
	if c.ReconcileInterval, err = reconcileInterval(); err != nil {
		return c, err
	}
	if c.ReconcileWindow, err = envDuration("RECONCILE_WINDOW", jobs.DefaultReconcileWindow); err != nil {
		return c, err
	}
	if c.TrustedProxies, err = web.ParseTrustedProxies(os.Getenv("TRUSTED_PROXIES")); err != nil {
		return c, err
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

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func envDuration(k string, def time.Duration) (time.Duration, error) {
	v := os.Getenv(k)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s is %q: want a duration such as 30s or 2m", k, v)
	}
	return d, nil
}

func envInt(k string, def int) (int, error) {
	v := os.Getenv(k)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s is %q: want a whole number", k, v)
	}
	return n, nil
}

// reconcileInterval reads RECONCILE_INTERVAL: a duration, or 0 or off to turn
// the periodic reconcile off (a negative result).
func reconcileInterval() (time.Duration, error) {
	switch v := strings.TrimSpace(os.Getenv("RECONCILE_INTERVAL")); v {
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
