package doctor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	stripe "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"

	"github.com/switchboardhq/switchboard/jobs/stripeapi"
	"github.com/switchboardhq/switchboard/store"
)

const (
	checkStripeAPI      = "stripe.api"
	checkStripeEndpoint = "stripe.webhook_endpoint"
)

// stripeChecks look at the key's mode and the webhook secret, then ask
// Stripe whether it accepts the key and has the webhook endpoint this
// deployment needs.
func (d *Doctor) stripeChecks(ctx context.Context) []store.Check {
	return append([]store.Check{d.stripeKeyCheck(), d.webhookSecretCheck()}, d.stripeAPIChecks(ctx)...)
}

func (d *Doctor) stripeAPIChecks(ctx context.Context) []store.Check {
	if d.cfg.StripeSecretKey == "" {
		why := "STRIPE_SECRET_KEY is not set"
		return []store.Check{skip(checkStripeAPI, why, "set STRIPE_SECRET_KEY (see stripe.secret_key)"), skip(checkStripeEndpoint, why+": the endpoint cannot be checked", "set STRIPE_SECRET_KEY to a restricted key that reads Webhook endpoints")}
	}
	ctx, cancel := context.WithTimeout(ctx, d.deps.Timeout)
	defer cancel()
	sc := stripeapi.New(d.cfg.StripeSecretKey, d.cfg.StripeAPIBase, stripeapi.WithHTTPClient(d.deps.HTTP), stripeapi.WithRetries(0))
	api := d.stripeAPICheck(ctx, sc)
	if api.Status == store.CheckSkip || api.Status == store.CheckFail && strings.Contains(api.Detail, "refused the key") {
		return []store.Check{api, skip(checkStripeEndpoint, "Stripe was not asked (see "+checkStripeAPI+")", "fix "+checkStripeAPI+" first")}
	}
	return []store.Check{api, d.stripeEndpointCheck(ctx, sc)}
}

// stripeError classifies a Stripe API error into a check: the network is
// out of reach (skip), the key is refused (fail), the key may not read what
// it needs (fail), or Stripe itself is unwell (warn).
func stripeError(name, what string, err error) store.Check {
	var se *stripe.Error
	if !errors.As(err, &se) {
		if offline(err) {
			return offlineCheck(name, "the Stripe API", err)
		}
		return fail(name, "calling Stripe: "+shortErr(err), "check STRIPE_API_BASE (unset means https://api.stripe.com) and outbound https")
	}
	switch {
	case se.HTTPStatusCode == http.StatusUnauthorized:
		return fail(name, "Stripe refused the key: "+se.Msg, "copy the key again from Dashboard → Developers → API keys (it may have been rolled or deleted)")
	case se.HTTPStatusCode == http.StatusForbidden:
		return fail(name, "the key may not read "+what+": "+se.Msg, "give the restricted key Read access to "+what+" (Dashboard → Developers → API keys → edit the key)")
	case se.HTTPStatusCode == http.StatusTooManyRequests || se.HTTPStatusCode >= 500:
		return warn(name, fmt.Sprintf("Stripe answered %d: %s", se.HTTPStatusCode, se.Msg), "run switchboard doctor again in a minute; see status.stripe.com")
	}
	return fail(name, fmt.Sprintf("Stripe answered %d: %s", se.HTTPStatusCode, se.Msg), "")
}

// stripeAPICheck reads the account (a restricted key without that
// permission is still an accepted key) and one event: reconciliation reads
// the Events API.
func (d *Doctor) stripeAPICheck(ctx context.Context, sc *client.API) store.Check {
	var acct stripe.Account
	err := sc.Accounts.B.Call(http.MethodGet, "/v1/account", sc.Accounts.Key, &stripe.Params{Context: ctx}, &acct)
	var se *stripe.Error
	if err != nil && !(errors.As(err, &se) && se.HTTPStatusCode == http.StatusForbidden) {
		return stripeError(checkStripeAPI, "the account", err)
	}
	p := &stripe.EventListParams{}
	p.Context, p.Limit, p.Single = ctx, stripe.Int64(1), true
	it := sc.Events.List(p)
	it.Next()
	if err := it.Err(); err != nil {
		return stripeError(checkStripeAPI, "Events", err)
	}
	who := "the account"
	if acct.ID != "" {
		who = "account " + acct.ID
		if acct.BusinessProfile != nil && acct.BusinessProfile.Name != "" {
			who += " (" + acct.BusinessProfile.Name + ")"
		}
	}
	return ok(checkStripeAPI, "Stripe accepts the key for "+who+" and it reads Events")
}

// stripeEndpointCheck finds the endpoints that deliver to
// BASE_URL/webhooks/stripe and checks they are enabled, pinned to this
// build's API version and, together, send every event type the README lists.
func (d *Doctor) stripeEndpointCheck(ctx context.Context, sc *client.API) store.Check {
	const name = checkStripeEndpoint
	want := strings.TrimRight(d.cfg.BaseURL, "/") + "/webhooks/stripe"
	p := &stripe.WebhookEndpointListParams{}
	p.Context, p.Limit = ctx, stripe.Int64(100)
	it := sc.WebhookEndpoints.List(p)
	var found []*stripe.WebhookEndpoint
	for it.Next() {
		if ep := it.WebhookEndpoint(); strings.TrimRight(ep.URL, "/") == want {
			found = append(found, ep)
		}
	}
	if err := it.Err(); err != nil {
		return stripeError(name, "Webhook endpoints", err)
	}
	create := fmt.Sprintf("in the Dashboard (Developers → Webhooks) add an endpoint for %s on API version %s with the event types README.md lists, and put its signing secret in STRIPE_WEBHOOK_SECRET", want, d.cfg.StripeAPIVersion)
	if len(found) == 0 {
		if u, err := url.Parse(d.cfg.BaseURL); err == nil && local(u.Hostname()) && !d.cfg.production() {
			return skip(name, "BASE_URL is local, so Stripe cannot deliver to it and has no endpoint for it", "in development forward events with `stripe listen --forward-to "+want+"`")
		}
		return fail(name, "Stripe has no webhook endpoint for "+want+": no event will arrive", create)
	}
	var enabled []*stripe.WebhookEndpoint
	for _, ep := range found {
		if ep.Status == "enabled" {
			enabled = append(enabled, ep)
		}
	}
	if len(enabled) == 0 {
		return fail(name, fmt.Sprintf("the endpoint for %s (%s) is disabled: no event is delivered", want, found[0].ID), "enable it in the Dashboard (Developers → Webhooks → the endpoint → Enable); Stripe disables endpoints that fail for days")
	}
	for _, ep := range enabled {
		switch {
		case ep.APIVersion == "":
			return fail(name, fmt.Sprintf("endpoint %s is not pinned to an API version: its events follow the account's default, and any other than %s are held", ep.ID, d.cfg.StripeAPIVersion), "a version cannot be changed on an endpoint: "+create+", then delete "+ep.ID)
		case ep.APIVersion != d.cfg.StripeAPIVersion:
			return fail(name, fmt.Sprintf("endpoint %s sends API version %s; this build speaks %s, so its events are held", ep.ID, ep.APIVersion, d.cfg.StripeAPIVersion), "a version cannot be changed on an endpoint: "+create+", delete "+ep.ID+", then `switchboard replay` the held events")
		}
	}
	var missing []string
	for _, typ := range d.cfg.EventTypes {
		sent := slices.ContainsFunc(enabled, func(ep *stripe.WebhookEndpoint) bool {
			return slices.Contains(ep.EnabledEvents, "*") || slices.Contains(ep.EnabledEvents, typ)
		})
		if !sent {
			missing = append(missing, typ)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return fail(name, fmt.Sprintf("the endpoint does not send %d event type(s) Switchboard applies: %s", len(missing), strings.Join(missing, ", ")), "add them to the endpoint (Developers → Webhooks → the endpoint → Update details → Select events)")
	}
	ids := make([]string, len(enabled))
	for i, ep := range enabled {
		ids[i] = ep.ID
	}
	return ok(name, fmt.Sprintf("%s delivers to %s on %s with every event type Switchboard applies", strings.Join(ids, " and "), want, d.cfg.StripeAPIVersion))
}
