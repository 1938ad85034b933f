package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/switchboardhq/switchboard/internal/doctor"
	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
)

// doctorConfig is the configuration as the launch checks read it.
func (c config) doctorConfig() doctor.Config {
	return doctor.Config{
		AppEnv: c.AppEnv, BaseURL: c.BaseURL, DatabaseURL: c.DatabaseURL,
		WebhookSecrets: c.WebhookSecrets, StripeSecretKey: c.StripeSecretKey, StripeAPIBase: c.StripeAPIBase,
		StripeAPIVersion: jobs.SupportedAPIVersion, EventTypes: jobs.HandledTypes(),
		CRMProvider: c.CRMProvider, HubSpotToken: c.HubSpotToken, HubSpotAPIBase: c.HubSpotAPIBase,
		CRMWebhookURL: c.CRMWebhookURL, CRMWebhookSecret: c.CRMWebhookSecret,
		SMTPURL: c.SMTPURL, MailFrom: c.MailFrom, DKIMSelector: c.DKIMSelector,
		AlertSlackWebhookURL: c.AlertSlackWebhookURL, AlertEmail: c.AlertEmail,
		InboundEmailUser: c.InboundEmailUser, InboundEmailPassword: c.InboundEmailPassword, BillingURL: c.BillingURL,
		AppWebhookURL: c.AppWebhookURL, AppWebhookSecret: c.AppWebhookSecret,
	}
}

// cmdDoctor runs the launch checks and prints one line per check, or with
// --json {"checks": [...]}. It fails (exit 1) when any check fails; a database
// it cannot reach is one of the checks, not a reason to stop.
func cmdDoctor(ctx context.Context, cfg config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	asJSON := fs.Bool("json", false, "")
	if err := fs.Parse(args); err != nil {
		return usageError{"doctor: " + err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{"doctor takes no arguments, only --json"}
	}
	checks := doctor.New(cfg.doctorConfig(), doctor.Deps{}).Run(ctx)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(struct {
			Checks []store.Check `json:"checks"`
		}{checks}); err != nil {
			return err
		}
	} else {
		printChecks(stdout, checks)
	}
	if n := store.ChecksFailed(checks); n > 0 {
		return fmt.Errorf("%d of %d checks failed", n, len(checks))
	}
	return nil
}

// printChecks writes one aligned line per check: status, name, the finding
// and, when there is one, the fix.
func printChecks(w io.Writer, checks []store.Check) {
	width := 0
	for _, c := range checks {
		width = max(width, len(c.Name))
	}
	for _, c := range checks {
		line := fmt.Sprintf("%-4s  %-*s  %s", c.Status, width, c.Name, c.Detail)
		if c.Fix != "" {
			line += " — fix: " + c.Fix
		}
		fmt.Fprintln(w, line)
	}
}
