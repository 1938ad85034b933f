package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/switchboardhq/switchboard/jobs/crm"
)

// cmdCRM dispatches the crm subcommands.
func cmdCRM(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	switch {
	case len(args) > 0 && args[0] == "setup":
		return cmdCRMSetup(ctx, cfg, stdout)
	case len(args) > 0 && args[0] == "backfill":
		return cmdCRMBackfill(ctx, cfg, args[1:], stdout, stderr)
	}
	return usageError{"crm needs a subcommand: crm setup or crm backfill [--before DATE]"}
}

// cmdCRMSetup creates Switchboard's property group and contact properties in
// HubSpot now (the workers also do it on their first sync), waiting out rate
// limits and retrying transient failures a few times.
func cmdCRMSetup(ctx context.Context, cfg config, stdout io.Writer) error {
	if cfg.CRMProvider != "hubspot" {
		if cfg.CRMProvider == "none" {
			fmt.Fprintln(stdout, "No CRM is connected (CRM_PROVIDER=none), so there is nothing to set up. To sync with HubSpot, set CRM_PROVIDER=hubspot and HUBSPOT_TOKEN (a private app token with crm.objects.contacts.read and .write, crm.schemas.contacts.read and .write), then run switchboard crm setup again.")
			return nil
		}
		fmt.Fprintf(stdout, "CRM_PROVIDER is %s: there is nothing to set up (only hubspot needs custom properties)\n", cfg.CRMProvider)
		return nil
	}
	if cfg.HubSpotToken == "" {
		return errors.New("CRM_PROVIDER=hubspot needs HUBSPOT_TOKEN (a private app token with crm.objects.contacts.read and .write, crm.schemas.contacts.read and .write)")
	}
	hs := crm.NewHubSpot(cfg.HubSpotToken, cfg.HubSpotAPIBase)
	const attempts = 6
	for i := 1; ; i++ {
		steps, err := hs.Setup(ctx)
		for _, s := range steps {
			if s.Action != "" {
				fmt.Fprintln(stdout, s)
			}
		}
		if err == nil {
			fmt.Fprintln(stdout, "hubspot is set up for switchboard")
			return nil
		}
		e := crm.AsError(err)
		wait := e.RetryAfter
		switch {
		case errors.Is(err, context.Canceled), e.Kind == crm.Auth, e.Kind == crm.Rejected, i == attempts:
			return fmt.Errorf("crm setup: %w", err)
		case e.Kind == crm.Transient:
			wait = time.Duration(i) * time.Second
		}
		fmt.Fprintf(stdout, "hubspot: %v; trying again in %s\n", e, wait)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
