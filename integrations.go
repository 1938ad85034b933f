package main

import (
	"errors"
	"log/slog"
	"strings"

	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/jobs/crm"
	"github.com/switchboardhq/switchboard/jobs/mail"
	"github.com/switchboardhq/switchboard/store"
)

// jobDeps wires the configured integrations (CRM, mail, alert channels) into
// the workers' dependencies.
func jobDeps(cfg config, st *store.Store, log *slog.Logger) (jobs.Deps, error) {
	d := jobs.Deps{
		Store: st, Logger: log, BaseURL: cfg.BaseURL, NextStepURL: cfg.BillingURL,
		Alerts: jobs.AlertChannels{SlackURL: cfg.AlertSlackWebhookURL, Email: cfg.AlertEmail}, Production: cfg.production(),
	}
	switch cfg.CRMProvider {
	case "hubspot":
		if cfg.HubSpotToken == "" {
			return d, errors.New("CRM_PROVIDER=hubspot needs HUBSPOT_TOKEN (a private app token with crm.objects.contacts.read and .write, crm.schemas.contacts.read and .write)")
		}
		d.CRM = crm.NewHubSpot(cfg.HubSpotToken, cfg.HubSpotAPIBase)
	case "webhook":
		if cfg.CRMWebhookURL == "" || cfg.CRMWebhookSecret == "" {
			return d, errors.New("CRM_PROVIDER=webhook needs CRM_WEBHOOK_URL and CRM_WEBHOOK_SECRET")
		}
		if !strings.HasPrefix(cfg.CRMWebhookURL, "https://") && cfg.production() {
			return d, errors.New("CRM_WEBHOOK_URL must be https:// in production")
		}
		d.CRM = crm.NewWebhook(cfg.CRMWebhookURL, cfg.CRMWebhookSecret)
	}
	if cfg.AppWebhookURL != "" {
		switch {
		case len(cfg.AppWebhookSecret) < 16:
			return d, errors.New("APP_WEBHOOK_URL needs APP_WEBHOOK_SECRET, at least 16 characters (it signs every event: openssl rand -hex 32)")
		case !strings.HasPrefix(cfg.AppWebhookURL, "https://") && cfg.production():
			return d, errors.New("APP_WEBHOOK_URL must be https:// in production")
		}
		d.App = jobs.AppWebhook{URL: cfg.AppWebhookURL, Secret: cfg.AppWebhookSecret}
	}
	if cfg.SMTPURL != "" {
		s, err := mail.ParseSMTP(cfg.SMTPURL, cfg.MailFrom)
		if err != nil {
			return d, err
		}
		d.Mail = s
	} else if cfg.production() {
		log.Warn("SMTP_URL is not set: customer email is kept in the console's outbox, not sent")
	}
	return d, nil
}
